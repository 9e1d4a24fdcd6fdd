// Package natsauth turns the permission matrix (bus.Matrix) into users of
// an embedded nats-server, for `siectl dev --secure` and the tests. It is
// its own package so the service binaries do not link the NATS server.
package natsauth

import (
	"crypto/rand"
	"encoding/base64"

	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/sieproject/sie/internal/bus"
)

// ServerUser is the embedded server's user for role, with the matrix's
// permissions (siectl dev --secure and the tests run NATS this way). An
// empty list becomes an explicit deny of everything: nats-server reads an
// absent or empty allow list as "allow all".
func ServerUser(name, password string, p bus.Permission) *natsserver.User {
	perms := &natsserver.Permissions{
		Publish:   subjectPermission(p.Publish),
		Subscribe: subjectPermission(p.Subscribe),
	}
	if p.AllowResponses {
		perms.Response = &natsserver.ResponsePermission{MaxMsgs: 1}
	}
	return &natsserver.User{Username: name, Password: password, Permissions: perms}
}

func subjectPermission(allow []string) *natsserver.SubjectPermission {
	if len(allow) == 0 {
		return &natsserver.SubjectPermission{Deny: []string{">"}}
	}
	sp := &natsserver.SubjectPermission{Allow: append([]string(nil), allow...)}
	for _, a := range allow {
		if a == "sie.config.models.*" {
			sp.Deny = append(sp.Deny, bus.WorkerDenySubscribe...)
		}
	}
	return sp
}

// Deployment is one user per component with a fresh random password: what
// `siectl dev --secure` and the tests run NATS with.
type Deployment struct {
	Config  bus.Credentials
	Gateway bus.Credentials
	// Workers holds one user per bundle, allowed that bundle's subject only.
	Workers map[string]bus.Credentials
	// Users are the server side of the same accounts.
	Users []*natsserver.User
}

// NewDeployment creates the users of the matrix for the given bundles.
func NewDeployment(bundles []string) (*Deployment, error) {
	return NewDeploymentWithStore(bundles, "")
}

// NewDeploymentWithStore is NewDeployment where sie-config's store is
// nats://storeBucket: its user may also reach that one stream ("" for a
// store outside NATS).
func NewDeploymentWithStore(bundles []string, storeBucket string) (*Deployment, error) {
	d := &Deployment{Workers: map[string]bus.Credentials{}}
	add := func(name string, p bus.Permission) (bus.Credentials, error) {
		pw, err := password()
		if err != nil {
			return bus.Credentials{}, err
		}
		d.Users = append(d.Users, ServerUser(name, pw, p))
		return bus.Credentials{User: name, Password: pw}, nil
	}
	var err error
	config := bus.Matrix(nil)[bus.RoleConfig]
	if storeBucket != "" {
		config = config.With(bus.ConfigStorePermission(storeBucket))
	}
	if d.Config, err = add(string(bus.RoleConfig), config); err != nil {
		return nil, err
	}
	if d.Gateway, err = add(string(bus.RoleGateway), bus.Matrix(nil)[bus.RoleGateway]); err != nil {
		return nil, err
	}
	for _, b := range bundles {
		if d.Workers[b], err = add(string(bus.RoleWorker)+"-"+b, bus.Matrix([]string{b})[bus.RoleWorker]); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// password is 24 random bytes, base64url: 32 characters, no padding.
func password() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
