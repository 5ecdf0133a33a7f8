package controller

// LogBuffer lets the external integration tests (package controller_test)
// share the internal tests' log sink.
type LogBuffer = logBuffer
