package siectl

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/sieproject/sie/internal/bus"
	"github.com/sieproject/sie/internal/natsauth"
)

// `siectl dev --secure` runs the embedded NATS the way the Helm chart does:
// one user per component with a fresh random password and the
// least-privilege permissions of bus.Matrix (sie-config alone publishes
// deltas, gateways read _all, each worker reads its own bundle). The
// passwords are handed to the components in-process and written, for
// running more components by hand, to DATA_DIR/nats-users.env (mode 0600);
// they are never printed.

// natsOptions returns the embedded server's options, with users when
// d.secure is set (the cluster keeps their credentials).
func (cl *devCluster) natsOptions(d *devOptions) (*natsserver.Options, error) {
	opts := &natsserver.Options{Host: "127.0.0.1", Port: d.natsPort, NoLog: true, NoSigs: true}
	bucket := ""
	if d.store == devStoreNATS {
		opts.JetStream, opts.StoreDir, bucket = true, filepath.Join(cl.dataDir, "jetstream"), devStoreBucket
	}
	if !d.secure {
		return opts, nil
	}
	auth, err := natsauth.NewDeploymentWithStore(cl.bundles, bucket)
	if err != nil {
		return nil, err
	}
	cl.natsAuth = auth
	opts.Users = auth.Users
	return opts, cl.writeNATSUsers()
}

// natsCredentials are the credentials of one component ("" bundle for
// sie-config and the gateways); none without --secure.
func (cl *devCluster) natsCredentials(role bus.Role, bundle string) bus.Credentials {
	if cl.natsAuth == nil {
		return bus.Credentials{}
	}
	switch role {
	case bus.RoleConfig:
		return cl.natsAuth.Config
	case bus.RoleGateway:
		return cl.natsAuth.Gateway
	}
	return cl.natsAuth.Workers[bundle]
}

// writeNATSUsers writes every user as shell variables, one block per
// component, readable by the owner only.
func (cl *devCluster) writeNATSUsers() error {
	var b strings.Builder
	b.WriteString("# NATS users of this `siectl dev --secure` run: export the two lines of the component you start.\n")
	line := func(name string, c bus.Credentials) {
		fmt.Fprintf(&b, "\n# %s\n%s=%s\n%s=%s\n", name, bus.EnvUser, c.User, bus.EnvPassword, c.Password)
	}
	line("sie-config", cl.natsAuth.Config)
	line("sie-gateway", cl.natsAuth.Gateway)
	bundles := make([]string, 0, len(cl.natsAuth.Workers))
	for name := range cl.natsAuth.Workers {
		bundles = append(bundles, name)
	}
	sort.Strings(bundles)
	for _, name := range bundles {
		line("sie-worker-sim --bundle "+name, cl.natsAuth.Workers[name])
	}
	cl.natsUsersFile = filepath.Join(cl.dataDir, "nats-users.env")
	return os.WriteFile(cl.natsUsersFile, []byte(b.String()), 0o600)
}

// secureBanner is the banner's NATS note.
func (cl *devCluster) secureBanner() string {
	if cl.natsAuth == nil {
		return ""
	}
	return fmt.Sprintf("              secure: one user per component, least privilege (users in %s)\n", cl.natsUsersFile)
}
