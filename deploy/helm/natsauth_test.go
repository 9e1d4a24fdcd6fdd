package helm_test

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/sieproject/sie/internal/bus"
	"github.com/sieproject/sie/internal/testkit"
)

// checkNATSAuth: with nats.auth.enabled, each NATS client of the release
// authenticates as its own user with its own Secret, the NATS server reads
// the same Secrets, and its authorization block is bus.Matrix: the
// rendered config is loaded into a real nats-server and every role's
// rights are tried. The NetworkPolicy admits only the release's clients.
func checkNATSAuth(t *testing.T, r *rendered, v values, natsSets, configs, gateways []*workload) {
	t.Helper()
	enabled := v.bool("nats.enabled") && v.bool("nats.auth.enabled")
	clients := map[string]*workload{}
	if len(configs) == 1 {
		clients["config"] = configs[0]
	}
	if len(gateways) == 1 {
		clients["gateway"] = gateways[0]
	}
	if !enabled {
		for comp, w := range clients {
			if _, ok := envMap(t, &w.Spec.Template.Spec.Containers[0])["SIE_NATS_USER"]; ok && v.bool("nats.enabled") {
				t.Errorf("%s: SIE_NATS_USER set while nats.auth is off", comp)
			}
		}
		if v.bool("nats.enabled") {
			checkNetworkPolicy(t, r, v, natsSets)
		}
		return
	}
	if len(natsSets) != 1 {
		t.Fatal("nats.auth needs the chart's NATS")
	}
	secretOf := map[string]*keyRef{}
	for comp, w := range clients {
		env := envMap(t, &w.Spec.Template.Spec.Containers[0])
		if user, _ := literal(t, env, "SIE_NATS_USER"); user != "sie-"+comp {
			t.Errorf("%s: SIE_NATS_USER %q, want sie-%s", comp, user, comp)
		}
		pw, ok := env["SIE_NATS_PASSWORD"]
		if !ok || pw.ValueFrom == nil || pw.ValueFrom.SecretKeyRef == nil {
			t.Errorf("%s: SIE_NATS_PASSWORD must come from a secretKeyRef", comp)
			continue
		}
		secretOf[comp] = pw.ValueFrom.SecretKeyRef
	}
	nc := containerNamed(t, natsSets[0], "nats")
	if !slices.Contains(nc.Args, "--config=/etc/nats/auth.conf") {
		t.Errorf("NATS args %v do not load the authorization block", nc.Args)
	}
	nenv := envMap(t, nc)
	passwords := map[string]string{}
	names := map[string]string{}
	for _, comp := range []string{"config", "gateway", "worker"} {
		e, ok := nenv["SIE_NATS_"+strings.ToUpper(comp)+"_PASSWORD"]
		if !ok || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
			t.Fatalf("NATS: no secretKeyRef for the %s password", comp)
		}
		ref := e.ValueFrom.SecretKeyRef
		if c := secretOf[comp]; c != nil && (c.Name != ref.Name || c.Key != ref.Key) {
			t.Errorf("%s reads its password from %s/%s, NATS from %s/%s", comp, c.Name, c.Key, ref.Name, ref.Key)
		}
		if prev, dup := names[ref.Name]; dup {
			t.Errorf("%s and %s share the Secret %s: one Secret per component", prev, comp, ref.Name)
		}
		names[ref.Name] = comp
		if existing := v.str("nats.auth.existingSecrets." + comp); existing != "" {
			if ref.Name != existing {
				t.Errorf("%s: Secret %s, want the existing %s", comp, ref.Name, existing)
			}
			passwords[comp] = "existing-" + comp // stands in for the operator's Secret
			continue
		}
		s, ok := r.secrets[ref.Name]
		if !ok {
			t.Fatalf("Secret %s is not rendered", ref.Name)
		}
		raw, err := base64.StdEncoding.DecodeString(s.Data[ref.Key])
		if err != nil || len(raw) < 16 {
			t.Fatalf("Secret %s: password %q unusable (%v)", ref.Name, raw, err)
		}
		passwords[comp] = string(raw)
	}

	var conf string
	for _, cm := range r.configMaps {
		if c, ok := cm.Data["auth.conf"]; ok {
			conf = c
		}
	}
	if conf == "" {
		t.Fatal("no ConfigMap with auth.conf")
	}
	if strings.Contains(conf, passwords["config"]) {
		t.Fatal("a password is written into the ConfigMap")
	}
	var bundles []string
	if list, ok := v.get("nats.auth.workerBundles").([]any); ok {
		for _, b := range list {
			bundles = append(bundles, b.(string))
		}
	}
	tryMatrix(t, conf, passwords, bundles, strings.TrimPrefix(v.str("config.configStore.url"), "nats://"), strings.HasPrefix(v.str("config.configStore.url"), "nats://"))
	checkNetworkPolicy(t, r, v, natsSets)
}

// tryMatrix loads the rendered authorization block into a real server and
// checks each role against bus.Matrix.
func tryMatrix(t *testing.T, conf string, passwords map[string]string, bundles []string, bucket string, natsStore bool) {
	t.Helper()
	for comp, pw := range passwords {
		t.Setenv("SIE_NATS_"+strings.ToUpper(comp)+"_PASSWORD", pw)
	}
	file := filepath.Join(t.TempDir(), "auth.conf")
	if err := os.WriteFile(file, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	opts, err := natsserver.ProcessConfigFile(file)
	if err != nil {
		t.Fatalf("nats-server refuses the rendered auth.conf: %v\n%s", err, conf)
	}
	matrix := bus.Matrix(bundles)
	if natsStore {
		// A nats:// store: sie-config also reaches its own stream.
		matrix[bus.RoleConfig] = matrix[bus.RoleConfig].With(bus.ConfigStorePermission(bucket))
	}
	for _, u := range opts.Users {
		want, ok := matrix[bus.Role(u.Username)]
		if !ok {
			t.Errorf("unexpected NATS user %q", u.Username)
			continue
		}
		p := u.Permissions
		if p == nil || p.Publish == nil || p.Subscribe == nil {
			t.Errorf("%s: permissions incomplete", u.Username)
			continue
		}
		if len(want.Publish) > 0 && !slices.Equal(p.Publish.Allow, want.Publish) {
			t.Errorf("%s publish %v, want %v", u.Username, p.Publish.Allow, want.Publish)
		}
		if len(want.Subscribe) > 0 && !slices.Equal(p.Subscribe.Allow, want.Subscribe) {
			t.Errorf("%s subscribe %v, want %v", u.Username, p.Subscribe.Allow, want.Subscribe)
		}
		if len(want.Subscribe) == 0 && !slices.Equal(p.Subscribe.Deny, []string{">"}) {
			t.Errorf("%s may subscribe: %+v", u.Username, p.Subscribe)
		}
		if want.AllowResponses != (p.Response != nil) {
			t.Errorf("%s allow_responses %v", u.Username, p.Response)
		}
	}
	if len(opts.Users) != len(matrix) {
		t.Errorf("%d users, want %d", len(opts.Users), len(matrix))
	}

	// The rendered configuration, on a random loopback port.
	opts.Host, opts.Port, opts.HTTPPort, opts.NoLog, opts.NoSigs = "127.0.0.1", -1, 0, true, true
	ns := testkit.NATS(t, func(o *natsserver.Options) { *o = *opts })
	defer ns.Shutdown()
	connect := func(comp string) (*nats.Conn, chan error) {
		errs := make(chan error, 8)
		c, err := nats.Connect(ns.ClientURL(), nats.UserInfo("sie-"+comp, passwords[comp]),
			nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { errs <- err }))
		if err != nil {
			t.Fatalf("sie-%s cannot log in with its Secret: %v", comp, err)
		}
		t.Cleanup(c.Close)
		return c, errs
	}
	if c, err := nats.Connect(ns.ClientURL()); err == nil {
		c.Close()
		t.Fatal("the chart's NATS admits anonymous clients")
	}
	cfg, _ := connect("config")
	gw, gwErrs := connect("gateway")
	wk, wkErrs := connect("worker")
	all, _ := gw.SubscribeSync(bus.SubjectAll)
	_ = gw.Flush()
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(gw.Publish(bus.SubjectAll, []byte("forged")))
	refused(t, gwErrs, "a gateway publishing a delta")
	must(wk.Publish(bus.SubjectAll, []byte("forged")))
	refused(t, wkErrs, "a worker publishing a delta")
	_, _ = wk.SubscribeSync(bus.SubjectAll)
	refused(t, wkErrs, "a worker reading _all")
	must(cfg.Publish(bus.SubjectAll, []byte("real")))
	must(cfg.Flush())
	if m, err := all.NextMsg(5 * time.Second); err != nil || string(m.Data) != "real" {
		t.Fatalf("the gateway did not receive sie-config's delta (first message %v, %v)", m, err)
	}
	// NATS health mode: a worker's heartbeat reaches the gateways.
	health, _ := gw.SubscribeSync(bus.SubjectHealthAll)
	must(gw.Flush())
	must(wk.Publish("sie.health.sim-default-0", []byte(`{"name":"sim-default-0"}`)))
	must(wk.Flush())
	if m, err := health.NextMsg(5 * time.Second); err != nil || m.Subject != "sie.health.sim-default-0" {
		t.Fatalf("the gateway did not receive the worker's heartbeat (%v, %v)", m, err)
	}
}

func refused(t *testing.T, errs chan error, what string) {
	t.Helper()
	select {
	case <-errs:
	case <-time.After(5 * time.Second):
		t.Errorf("NATS let %s through", what)
	}
}

// checkNetworkPolicy: with networkPolicy.enabled, one policy selects the
// NATS pods and its client-port rule admits the release's sie-config and
// gateways (and the configured extra peers) and nothing open-ended.
func checkNetworkPolicy(t *testing.T, r *rendered, v values, natsSets []*workload) {
	t.Helper()
	var mine []*networkPolicy
	for _, np := range r.policies {
		if len(natsSets) == 1 && selects(np.Spec.PodSelector.MatchLabels, natsSets[0].Spec.Template.Metadata.Labels) {
			mine = append(mine, np)
		}
	}
	if !v.bool("networkPolicy.enabled") {
		if len(mine) != 0 {
			t.Error("networkPolicy.enabled=false but a NetworkPolicy selects NATS")
		}
		return
	}
	if len(mine) != 1 {
		t.Fatalf("%d NetworkPolicies select the NATS pods, want 1", len(mine))
	}
	found := false
	for _, rule := range mine[0].Spec.Ingress {
		client := false
		for _, p := range rule.Ports {
			client = client || p.Port == 4222 || p.Port == "4222"
		}
		if !client {
			continue
		}
		found = true
		if len(rule.From) == 0 {
			t.Fatal("NATS's client port is open to every pod")
		}
		comps := map[string]bool{}
		for _, peer := range rule.From {
			if peer.PodSelector != nil {
				comps[peer.PodSelector.MatchLabels["app.kubernetes.io/component"]] = true
			}
		}
		if !comps["config"] || !comps["gateway"] {
			t.Errorf("the client-port rule does not admit sie-config and the gateways: %v", comps)
		}
		extra, _ := v.get("networkPolicy.natsClients").([]any)
		if len(rule.From) != 2+len(extra) {
			t.Errorf("%d peers on the client port, want 2 + %d", len(rule.From), len(extra))
		}
	}
	if !found {
		t.Error("no ingress rule for NATS's client port")
	}
}
