package helm_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// pdb is a rendered PodDisruptionBudget.
type pdb struct {
	Metadata meta `yaml:"metadata"`
	Spec     struct {
		MinAvailable any `yaml:"minAvailable"`
		Selector     struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"selector"`
	} `yaml:"spec"`
}

// checkConfigReplicas: one sie-config replica with Recreate on any store
// but nats://; on a nats:// store config.replicas replicas, a rolling
// update that never goes below them, SIE_CONFIG_STORE_REPLICAS, and a
// PodDisruptionBudget when there are several.
func checkConfigReplicas(t *testing.T, r *rendered, v values, d *workload, env map[string]envVar) {
	t.Helper()
	url := v.str("config.configStore.url")
	natsStore := strings.HasPrefix(url, "nats://")
	want := 1
	if natsStore {
		want = intValue(v.get("config.replicas"))
	}
	if d.Spec.Replicas == nil || *d.Spec.Replicas != want {
		t.Errorf("sie-config replicas %s, want %d", intPtr(d.Spec.Replicas), want)
	}
	if !natsStore && d.Spec.Strategy.Type != "Recreate" {
		t.Errorf("sie-config strategy %q, want Recreate (a single writer at all times)", d.Spec.Strategy.Type)
	}
	if natsStore && d.Spec.Strategy.Type != "RollingUpdate" {
		t.Errorf("sie-config on a nats:// store: strategy %q, want RollingUpdate", d.Spec.Strategy.Type)
	}
	got, has := literal(t, env, "SIE_CONFIG_STORE_REPLICAS")
	switch {
	case natsStore && got != strconv.Itoa(intValue(v.get("config.configStore.replicas"))):
		t.Errorf("SIE_CONFIG_STORE_REPLICAS=%q, want config.configStore.replicas %v", got, v.get("config.configStore.replicas"))
	case !natsStore && has:
		t.Errorf("SIE_CONFIG_STORE_REPLICAS set without a nats:// store")
	}
	var budgets []*pdb
	for _, b := range r.pdbs {
		if selects(b.Spec.Selector.MatchLabels, d.Spec.Template.Metadata.Labels) {
			budgets = append(budgets, b)
		}
	}
	wantPDB := want > 1 && v.bool("config.podDisruptionBudget.enabled")
	if wantPDB != (len(budgets) == 1) || len(budgets) > 1 {
		t.Errorf("sie-config: %d PodDisruptionBudgets select it, want %v", len(budgets), wantPDB)
	}
	if wantPDB && len(budgets) == 1 && fmt.Sprint(budgets[0].Spec.MinAvailable) != fmt.Sprint(v.get("config.podDisruptionBudget.minAvailable")) {
		t.Errorf("sie-config PDB minAvailable %v, want %v", budgets[0].Spec.MinAvailable, v.get("config.podDisruptionBudget.minAvailable"))
	}
	if want > 1 && !(v.bool("nats.jetstream.enabled") && (v.bool("nats.enabled") || v.str("nats.external.url") != "")) {
		t.Errorf("%d sie-config replicas without JetStream", want)
	}
}

// checkNATSCluster: with several NATS servers each one routes to every
// server of the StatefulSet through the headless Service's cluster port,
// the NetworkPolicy admits those routes between NATS pods, and a nats://
// store's stream replicas fit on the servers.
func checkNATSCluster(t *testing.T, r *rendered, v values, sts *workload, c *container, servers int) {
	t.Helper()
	if n := intValue(v.get("config.configStore.replicas")); strings.HasPrefix(v.str("config.configStore.url"), "nats://") && n > servers {
		t.Errorf("config.configStore.replicas=%d on %d NATS servers", n, servers)
	}
	var routes string
	for _, a := range c.Args {
		if r, ok := strings.CutPrefix(a, "--routes="); ok {
			routes = r
		}
	}
	if servers == 1 {
		if routes != "" {
			t.Errorf("a single NATS server with routes %q", routes)
		}
		return
	}
	if !slices.Contains(c.Args, "--cluster=nats://0.0.0.0:6222") {
		t.Errorf("NATS cluster: args %v do not listen for routes on 6222", c.Args)
	}
	headless := r.services[sts.Spec.ServiceName]
	if headless == nil {
		t.Fatalf("NATS: headless Service %q not rendered", sts.Spec.ServiceName)
	}
	hasCluster := false
	for _, p := range headless.Spec.Ports {
		hasCluster = hasCluster || p.Port == 6222
	}
	if !hasCluster {
		t.Errorf("NATS headless Service has no cluster port 6222")
	}
	list := strings.Split(routes, ",")
	if len(list) != servers {
		t.Fatalf("NATS routes %q, want one per server (%d)", routes, servers)
	}
	ns := r.namespace(t)
	for i, route := range list {
		want := fmt.Sprintf("nats://%s-%d.%s.%s.svc.%s:6222", sts.Metadata.Name, i, sts.Spec.ServiceName, ns, v.str("clusterDomain"))
		if route != want {
			t.Errorf("route %d %q, want %q", i, route, want)
		}
	}
	if v.bool("networkPolicy.enabled") {
		admitted := false
		for _, np := range r.policies {
			for _, in := range np.Spec.Ingress {
				for _, p := range in.Ports {
					if p.Port == 6222 {
						for _, f := range in.From {
							admitted = admitted || (f.PodSelector != nil && selects(f.PodSelector.MatchLabels, sts.Spec.Template.Metadata.Labels))
						}
					}
				}
			}
		}
		if !admitted {
			t.Errorf("the NetworkPolicy does not admit NATS routes (6222) between NATS pods")
		}
	}
	if !v.bool("nats.jetstream.persistence.enabled") && strings.HasPrefix(v.str("config.configStore.url"), "nats://") && servers > 1 {
		t.Logf("note: a clustered nats:// store on emptyDir loses a server's copy when its pod moves")
	}
}
