// Package dashboard is sie-gateway's live operator page: the embedded
// assets served at /ui/ (static, without auth) and the overview they read,
// as one JSON snapshot or a server-sent event stream that wakes on the
// mirror's and the worker registry's change signals (both behind read
// auth, registered by gatewayapi).
package dashboard
