package bus

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
)

// The environment variables every NATS client of the project reads.
const (
	EnvUser     = "SIE_NATS_USER"
	EnvPassword = "SIE_NATS_PASSWORD"
	EnvCreds    = "SIE_NATS_CREDS"
	EnvNKeySeed = "SIE_NATS_NKEY_SEED"
	EnvTLSCA    = "SIE_NATS_TLS_CA"
	EnvTLSCert  = "SIE_NATS_TLS_CERT"
	EnvTLSKey   = "SIE_NATS_TLS_KEY"
)

// Credentials are how a client proves who it is to NATS, and the TLS it
// uses. At most one of user/password, creds file and nkey seed is set.
// They are handed to nats.go's own options; nothing here is ever logged
// (Describe names the method only).
type Credentials struct {
	User     string
	Password string
	// CredsFile is a NATS .creds file (JWT and nkey seed), as nsc writes.
	CredsFile string
	// NKeySeed is a user seed ("SU…") or the path of a file holding one.
	NKeySeed string
	// TLSCA is a PEM bundle of the CAs to trust for tls:// servers;
	// TLSCert and TLSKey are a client certificate and its key (both or
	// neither).
	TLSCA, TLSCert, TLSKey string
}

// CredentialsFromEnv reads the SIE_NATS_* credential variables. Half a pair
// (a user without a password, a certificate without its key) and two
// authentication methods at once are refused, so a typo fails at startup
// instead of turning into an anonymous connection.
func CredentialsFromEnv(getenv func(string) string) (Credentials, error) {
	c := Credentials{
		User:      getenv(EnvUser),
		Password:  getenv(EnvPassword),
		CredsFile: strings.TrimSpace(getenv(EnvCreds)),
		NKeySeed:  strings.TrimSpace(getenv(EnvNKeySeed)),
		TLSCA:     strings.TrimSpace(getenv(EnvTLSCA)),
		TLSCert:   strings.TrimSpace(getenv(EnvTLSCert)),
		TLSKey:    strings.TrimSpace(getenv(EnvTLSKey)),
	}
	return c, c.Validate()
}

// Validate checks the combination of settings (not the files).
func (c Credentials) Validate() error {
	if (c.User == "") != (c.Password == "") {
		return fmt.Errorf("%s and %s must be set together", EnvUser, EnvPassword)
	}
	methods := 0
	for _, set := range []bool{c.User != "", c.CredsFile != "", c.NKeySeed != ""} {
		if set {
			methods++
		}
	}
	if methods > 1 {
		return fmt.Errorf("set only one of %s/%s, %s and %s", EnvUser, EnvPassword, EnvCreds, EnvNKeySeed)
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return fmt.Errorf("%s and %s must be set together", EnvTLSCert, EnvTLSKey)
	}
	return nil
}

// Describe names the authentication in use for logs: never a secret.
func (c Credentials) Describe() string {
	auth := "none"
	switch {
	case c.User != "":
		auth = "user " + c.User
	case c.CredsFile != "":
		auth = "creds file"
	case c.NKeySeed != "":
		auth = "nkey"
	}
	if c.TLSCA != "" || c.TLSCert != "" {
		auth += ", tls"
		if c.TLSCert != "" {
			auth += " client certificate"
		}
	}
	return auth
}

// Options turns the credentials into nats.go options. Files are read here,
// so a missing or unreadable file is a startup error, not a retry loop.
func (c Credentials) Options() ([]nats.Option, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	var opts []nats.Option
	switch {
	case c.User != "":
		opts = append(opts, nats.UserInfo(c.User, c.Password))
	case c.CredsFile != "":
		if _, err := os.ReadFile(c.CredsFile); err != nil {
			return nil, fmt.Errorf("%s: %w", EnvCreds, scrubPath(err))
		}
		opts = append(opts, nats.UserCredentials(c.CredsFile))
	case c.NKeySeed != "":
		opt, err := nkeyOption(c.NKeySeed)
		if err != nil {
			return nil, err
		}
		opts = append(opts, opt)
	}
	if c.TLSCA != "" {
		if _, err := os.ReadFile(c.TLSCA); err != nil {
			return nil, fmt.Errorf("%s: %w", EnvTLSCA, scrubPath(err))
		}
		opts = append(opts, nats.RootCAs(c.TLSCA))
	}
	if c.TLSCert != "" {
		opts = append(opts, nats.ClientCert(c.TLSCert, c.TLSKey))
	}
	return opts, nil
}

// nkeyOption signs the server's nonce with a user seed given inline or in a
// file. The seed is parsed once here; a bad one fails without echoing it.
func nkeyOption(seedOrPath string) (nats.Option, error) {
	seed := []byte(seedOrPath)
	if !strings.HasPrefix(seedOrPath, "SU") {
		data, err := os.ReadFile(seedOrPath)
		if err != nil {
			return nil, fmt.Errorf("%s: not a user seed, and not a readable file: %w", EnvNKeySeed, scrubPath(err))
		}
		seed = []byte(strings.TrimSpace(string(data)))
	}
	kp, err := nkeys.FromSeed(seed)
	if err != nil {
		return nil, fmt.Errorf("%s: not a valid nkey user seed", EnvNKeySeed)
	}
	pub, err := kp.PublicKey()
	if err != nil {
		return nil, fmt.Errorf("%s: not a valid nkey user seed", EnvNKeySeed)
	}
	if !nkeys.IsValidPublicUserKey(pub) {
		return nil, fmt.Errorf("%s: the seed is not a user seed", EnvNKeySeed)
	}
	return nats.Nkey(pub, kp.Sign), nil
}

// scrubPath keeps the reason of a file error (not found, permission denied)
// and drops the content-free wrapper, so messages stay short.
func scrubPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s %s: %w", pe.Op, pe.Path, pe.Err)
	}
	return err
}

// RedactURL hides any user:password in a NATS URL (or a comma-separated
// list of them) so the URL can be logged.
func RedactURL(raw string) string {
	parts := strings.Split(raw, ",")
	for i, p := range parts {
		u, err := url.Parse(strings.TrimSpace(p))
		if err != nil {
			if strings.Contains(p, "@") {
				parts[i] = "<unparsable URL with credentials>"
			}
			continue
		}
		if u.User != nil {
			u.User = url.User("redacted")
			parts[i] = u.String()
		}
	}
	return strings.Join(parts, ",")
}
