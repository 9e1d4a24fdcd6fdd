package siectl

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/spf13/cobra"

	"github.com/sieproject/sie/internal/bus"
	"github.com/sieproject/sie/internal/catalog"
	"github.com/sieproject/sie/internal/configserver"
	"github.com/sieproject/sie/internal/gatewayserver"
	"github.com/sieproject/sie/internal/logging"
	"github.com/sieproject/sie/internal/natsauth"
	"github.com/sieproject/sie/internal/samplecatalog"
	"github.com/sieproject/sie/internal/workersim"
)

// devOptions are the flags of `siectl dev` (spec README §3.2).
type devOptions struct {
	catalogDir       string
	dataDir          string
	configPort       int
	gatewayPort      int
	gateways         int
	natsPort         int
	workerPort       int
	workersPerBundle int
	logLevel         string
	quiet            bool
	secure           bool
	healthMode       string
	store            string
}

func devCommand(o *options) *cobra.Command {
	d := &devOptions{}
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run NATS, sie-config, gateways and simulated workers locally (Ctrl-C stops everything)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if d.gateways < 1 || d.workersPerBundle < 0 {
				return &ExitError{Code: 2, Err: fmt.Errorf("--gateways must be ≥ 1 and --workers-per-bundle ≥ 0")}
			}
			if err := checkHealthMode(d.healthMode); err != nil {
				return err
			}
			if err := checkDevStore(d.store); err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			cl, err := startDev(ctx, d, o)
			if err != nil {
				return failed("%v", err)
			}
			cl.printBanner(o.stdout)
			stopWatch := func() {}
			if !d.quiet {
				if stopWatch, err = cl.watch(ctx, o, o.stdout); err != nil {
					cl.stop()
					return failed("%v", err)
				}
			}
			<-ctx.Done()
			stopWatch()
			fmt.Fprintln(o.stdout, "\nstopping…")
			cl.stop()
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&d.catalogDir, "catalog", "", "catalog directory with bundles/ and models/ (default: the built-in sample)")
	f.StringVar(&d.dataDir, "data-dir", "", "data directory; sie-config's store is DATA_DIR/store (default: a new temporary directory, kept after Ctrl-C)")
	f.IntVar(&d.configPort, "config-port", 8081, "sie-config port")
	f.IntVar(&d.gatewayPort, "gateway-port", 8080, "first gateway port")
	f.IntVar(&d.gateways, "gateways", 1, "number of gateway replicas (consecutive ports)")
	f.IntVar(&d.natsPort, "nats-port", 4222, "embedded NATS port")
	f.IntVar(&d.workerPort, "worker-port", 9000, "first simulated worker port")
	f.IntVar(&d.workersPerBundle, "workers-per-bundle", 1, "simulated workers per catalog bundle")
	f.StringVar(&d.logLevel, "log-level", "error", "log level of the components (debug, info, warning, error)")
	f.BoolVarP(&d.quiet, "quiet", "q", false, "do not print a line per write and per ack change")
	f.BoolVar(&d.secure, "secure", false, "run NATS with one user per component and least-privilege permissions (see dev_secure.go)")
	f.StringVar(&d.healthMode, "health-mode", "ws", "how gateways hear workers: ws (status WebSockets of a worker list), nats (workers discovered by NATS heartbeats, no list) or both")
	f.StringVar(&d.store, "store", devStoreLocal, "sie-config's store: local (files in DATA_DIR/store) or nats (a JetStream stream of the embedded NATS, data in DATA_DIR/jetstream)")
	return cmd
}

// devCluster is a running local cluster.
type devCluster struct {
	dataDir, catalogDir string
	ownDataDir          bool // a temporary directory dev created (removed on a failed start)
	natsURL             string
	nats                *natsserver.Server
	config              *configserver.Server
	gateways            []*gatewayserver.Server
	fleets              []*workersim.Fleet
	bundles             []string
	exampleFile         string
	exampleModel        string
	natsAuth            *natsauth.Deployment // --secure
	natsUsersFile       string
	healthMode          string // --health-mode
	store               string // --store: what the banner shows
}

// startDev starts every component; on any failure it stops what started.
func startDev(ctx context.Context, d *devOptions, o *options) (cl *devCluster, err error) {
	level, err := logging.ParseLevel(d.logLevel)
	if err != nil {
		return nil, err
	}
	cl = &devCluster{healthMode: d.healthMode}
	defer func() {
		if err != nil {
			cl.stop()
			if cl.ownDataDir {
				_ = os.RemoveAll(cl.dataDir)
			}
			cl = nil
		}
	}()
	if err := cl.prepareDirs(d); err != nil {
		return cl, err
	}
	bundles, err := catalog.LoadBundles(filepath.Join(cl.catalogDir, "bundles"), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return cl, err
	}
	for _, b := range bundles {
		cl.bundles = append(cl.bundles, b.Name)
	}
	ports, gatewayPorts := devPortPlan(d, cl.bundles)
	if err := checkDevPorts(ports); err != nil {
		return cl, err
	}
	storeURL, err := cl.devStore(d)
	if err != nil {
		return cl, err
	}

	nopts, err := cl.natsOptions(d)
	if err != nil {
		return cl, err
	}
	ns, err := natsserver.NewServer(nopts)
	if err != nil {
		return cl, fmt.Errorf("nats: %w", err)
	}
	go ns.Start()
	cl.nats = ns
	if !ns.ReadyForConnections(10 * time.Second) {
		return cl, fmt.Errorf("nats: not listening on 127.0.0.1:%d (port in use?)", d.natsPort)
	}
	cl.natsURL = ns.ClientURL()
	logOut := os.Stderr

	cfgEnv := envMap{
		"SIE_BUNDLES_DIR": filepath.Join(cl.catalogDir, "bundles"), "SIE_MODELS_DIR": filepath.Join(cl.catalogDir, "models"),
		"SIE_CONFIG_STORE_DIR": storeURL, "SIE_CONFIG_RESTORE": "true", "SIE_NATS_URL": cl.natsURL, "POD_NAME": "sie-config",
	}
	if d.store == devStoreNATS {
		cfgEnv["SIE_CONFIG_STORE_REPLICAS"] = "1" // one embedded server
	}
	if c := cl.natsCredentials(bus.RoleConfig, ""); c.User != "" { // --secure: for its NATS link and its store's
		cfgEnv[bus.EnvUser], cfgEnv[bus.EnvPassword] = c.User, c.Password
	}
	passTokens(cfgEnv, o.env)
	ccfg, err := configserver.FromEnv(cfgEnv.get)
	if err != nil {
		return cl, err
	}
	ccfg.Host, ccfg.Port, ccfg.LogLevel, ccfg.LogOutput = "127.0.0.1", d.configPort, level, logOut
	if cl.config, err = configserver.Start(ctx, ccfg); err != nil {
		return cl, fmt.Errorf("sie-config: %w", err)
	}

	workerModels, err := cl.workerModelsDir()
	if err != nil {
		return cl, err
	}
	var workerURLs []string
	port := d.workerPort
	for _, b := range cl.bundles {
		if d.workersPerBundle == 0 {
			break
		}
		wc := workersim.DefaultConfig()
		wc.Bundle, wc.Count, wc.ModelsDir = b, d.workersPerBundle, workerModels
		wc.BundlesDir, wc.NATSURL, wc.Host, wc.Port = filepath.Join(cl.catalogDir, "bundles"), cl.natsURL, "127.0.0.1", port
		cl.catchUp(&wc, o.env)
		healthWorkers(&wc, d.healthMode)
		wc.NATSCredentials = cl.natsCredentials(bus.RoleWorker, b)
		fleet, err := workersim.Start(ctx, wc, logging.Logger(logging.NewHandler(logOut, level, false), "sie.worker-sim"))
		if err != nil {
			return cl, fmt.Errorf("simulated workers for %s: %w", b, err)
		}
		cl.fleets = append(cl.fleets, fleet)
		workerURLs = append(workerURLs, fleet.URLs()...)
		if port != 0 { // 0 = ephemeral ports (tests)
			port += d.workersPerBundle
		}
	}

	for i, gwPort := range gatewayPorts {
		gwEnv := envMap{"SIE_CONFIG_SERVICE_URL": cl.config.URL(), "SIE_NATS_URL": cl.natsURL}
		healthGatewayEnv(gwEnv, d.healthMode, workerURLs)
		passTokens(gwEnv, o.env)
		if gwEnv["SIE_AUTH_TOKEN"] != "" {
			gwEnv["SIE_AUTH_MODE"] = "token"
		}
		gcfg, err := gatewayserver.FromEnv(gwEnv.get)
		if err != nil {
			return cl, err
		}
		gcfg.Host, gcfg.Port, gcfg.LogLevel, gcfg.LogOutput = "127.0.0.1", gwPort, level, logOut
		gcfg.NATSCredentials = cl.natsCredentials(bus.RoleGateway, "")
		gw, err := gatewayserver.Start(ctx, gcfg)
		if err != nil {
			return cl, fmt.Errorf("gateway %d: %w", i+1, err)
		}
		cl.gateways = append(cl.gateways, gw)
	}
	return cl, nil
}

// prepareDirs picks the catalog and data directories and writes an example
// model document for the banner's commands.
func (cl *devCluster) prepareDirs(d *devOptions) error {
	cl.dataDir = d.dataDir
	if cl.dataDir == "" {
		dir, err := os.MkdirTemp("", "sie-dev-")
		if err != nil {
			return err
		}
		cl.dataDir, cl.ownDataDir = dir, true
	}
	if err := os.MkdirAll(cl.dataDir, 0o755); err != nil {
		return err
	}
	cl.catalogDir = d.catalogDir
	if cl.catalogDir == "" {
		cl.catalogDir = filepath.Join(cl.dataDir, "catalog")
		if err := samplecatalog.WriteTo(cl.catalogDir); err != nil {
			return err
		}
	}
	for _, sub := range []string{"bundles", "models"} {
		if st, err := os.Stat(filepath.Join(cl.catalogDir, sub)); err != nil || !st.IsDir() {
			return fmt.Errorf("--catalog %s must contain %s/", cl.catalogDir, sub)
		}
	}
	cl.exampleModel = "my-org/my-embedder"
	cl.exampleFile = filepath.Join(cl.dataDir, "example-model.yaml")
	return os.WriteFile(cl.exampleFile, []byte(exampleModel(cl.exampleModel)), 0o644)
}

// exampleModel is a worker-valid document for the sample catalog's
// default bundle, so simulated workers hold it in full and ack it.
func exampleModel(id string) string {
	return "sie_id: " + id + "\nhf_id: sentence-transformers/all-MiniLM-L6-v2\ntasks:\n  encode:\n    dense:\n      dim: 384\n" +
		"profiles:\n  default:\n    adapter_path: sie_server.adapters.sentence_transformer:SentenceTransformerAdapter\n    max_batch_tokens: 8192\n"
}

func (cl *devCluster) printBanner(w io.Writer) {
	fmt.Fprintf(w, "SIE dev cluster is up\n")
	fmt.Fprintf(w, "  nats        %s\n%s", cl.natsURL, cl.secureBanner())
	fmt.Fprintf(w, "  sie-config  %s   (store %s)\n", cl.config.URL(), cl.store)
	for i, g := range cl.gateways {
		fmt.Fprintf(w, "  gateway %d   %s\n", i+1, g.URL())
	}
	fmt.Fprintf(w, "  dashboard   %s/ui/   (live: models, rollout, workers)\n", cl.gateways[0].URL())
	for _, f := range cl.fleets {
		for _, u := range f.URLs() {
			fmt.Fprintf(w, "  worker      %s\n", u)
		}
	}
	fmt.Fprint(w, cl.healthBanner())
	fmt.Fprintf(w, "\nTry:\n")
	fmt.Fprintf(w, "  go run ./cmd/siectl --config-url %s get models\n", cl.config.URL())
	fmt.Fprintf(w, "  go run ./cmd/siectl --config-url %s apply -f %s\n", cl.config.URL(), cl.exampleFile)
	fmt.Fprintf(w, "  go run ./cmd/siectl --gateway-url %s status %s --wait   (one gateway answers for all)\n", cl.gateways[0].URL(), cl.exampleModel)
	fmt.Fprintf(w, "\nCtrl-C stops everything; run again with --data-dir %s to keep what you added.\n", cl.dataDir)
}

// stop shuts components down in reverse order of dependency.
func (cl *devCluster) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for _, g := range cl.gateways {
		_ = g.Shutdown(ctx)
	}
	for _, f := range cl.fleets {
		f.Shutdown(ctx)
	}
	if cl.config != nil {
		_ = cl.config.Shutdown(ctx)
	}
	if cl.nats != nil {
		cl.nats.Shutdown()
		cl.nats.WaitForShutdown()
	}
}

// envMap is an environment for one component.
type envMap map[string]string

func (e envMap) get(k string) (string, bool) {
	v, ok := e[k]
	return v, ok
}

// passTokens hands the user's tokens to a component (auth is off otherwise).
func passTokens(e envMap, env Env) {
	for _, k := range []string{"SIE_ADMIN_TOKEN", "SIE_AUTH_TOKEN"} {
		if v := env(k); v != "" {
			e[k] = v
		}
	}
}
