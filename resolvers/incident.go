package resolvers

import (
	"crypto/rand"
	"encoding/hex"
	"runtime/debug"
)

func newIncidentID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func stack() string { return string(debug.Stack()) }
