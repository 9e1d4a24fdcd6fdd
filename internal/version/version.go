// Package version holds the build version reported by every binary.
package version

// Version is overridden at link time: -ldflags "-X github.com/sieproject/sie/internal/version.Version=v1.2.3".
var Version = "0.1.0-dev"
