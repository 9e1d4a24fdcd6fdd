package workerview

import (
	"testing"

	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/yamldoc"
)

func mustParse(t testing.TB, text string) *doc.Map {
	t.Helper()
	m, err := yamldoc.Parse([]byte(text))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, text)
	}
	return m
}
