// Package helm_test checks the invariants of the Helm chart (deploy/helm/sie)
// on `helm template` output.
//
// The output is produced by .ci/helm-check.sh, which renders the chart once
// with its default values (default.yaml) and once per ci-values/<case>.yaml
// (<case>.yaml) into a directory and runs this test with
// SIE_HELM_RENDERED_DIR pointing at it. Without that variable the test skips.
//
// Each case's values (sie/values.yaml overlaid with ci-values/<case>.yaml) are
// read too, so the test knows what the render must reflect: store mode, NATS
// URL, gateway replicas, the token Secret.
package helm_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// --- the subset of the Kubernetes objects the invariants read ---

type meta struct {
	Name        string            `yaml:"name"`
	Namespace   string            `yaml:"namespace"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

type keyRef struct {
	Name     string `yaml:"name"`
	Key      string `yaml:"key"`
	Optional *bool  `yaml:"optional"`
}

type envVar struct {
	Name      string  `yaml:"name"`
	Value     *string `yaml:"value"`
	ValueFrom *struct {
		SecretKeyRef    *keyRef `yaml:"secretKeyRef"`
		ConfigMapKeyRef *keyRef `yaml:"configMapKeyRef"`
		FieldRef        *struct {
			FieldPath string `yaml:"fieldPath"`
		} `yaml:"fieldRef"`
	} `yaml:"valueFrom"`
}

type probe struct {
	HTTPGet *struct {
		Path string `yaml:"path"`
		Port any    `yaml:"port"`
	} `yaml:"httpGet"`
}

type container struct {
	Name  string   `yaml:"name"`
	Image string   `yaml:"image"`
	Args  []string `yaml:"args"`
	Env   []envVar `yaml:"env"`
	Ports []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	StartupProbe   *probe `yaml:"startupProbe"`
	LivenessProbe  *probe `yaml:"livenessProbe"`
	ReadinessProbe *probe `yaml:"readinessProbe"`
	VolumeMounts   []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
	} `yaml:"volumeMounts"`
	SecurityContext *struct {
		RunAsNonRoot             *bool `yaml:"runAsNonRoot"`
		ReadOnlyRootFilesystem   *bool `yaml:"readOnlyRootFilesystem"`
		AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
	} `yaml:"securityContext"`
}

type volume struct {
	Name                  string `yaml:"name"`
	PersistentVolumeClaim *struct {
		ClaimName string `yaml:"claimName"`
	} `yaml:"persistentVolumeClaim"`
	EmptyDir any `yaml:"emptyDir"`
}

type workload struct {
	Kind     string `yaml:"kind"`
	Metadata meta   `yaml:"metadata"`
	Spec     struct {
		Replicas *int `yaml:"replicas"`
		Strategy struct {
			Type string `yaml:"type"`
		} `yaml:"strategy"`
		Selector struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"selector"`
		ServiceName string `yaml:"serviceName"`
		Template    struct {
			Metadata meta `yaml:"metadata"`
			Spec     struct {
				SecurityContext *struct {
					RunAsNonRoot *bool `yaml:"runAsNonRoot"`
					RunAsUser    *int  `yaml:"runAsUser"`
				} `yaml:"securityContext"`
				Containers []container `yaml:"containers"`
				Volumes    []volume    `yaml:"volumes"`
			} `yaml:"spec"`
		} `yaml:"template"`
		VolumeClaimTemplates []struct {
			Metadata meta `yaml:"metadata"`
		} `yaml:"volumeClaimTemplates"`
	} `yaml:"spec"`
}

type service struct {
	Metadata meta `yaml:"metadata"`
	Spec     struct {
		ClusterIP string            `yaml:"clusterIP"`
		Selector  map[string]string `yaml:"selector"`
		Ports     []struct {
			Name       string `yaml:"name"`
			Port       int    `yaml:"port"`
			TargetPort any    `yaml:"targetPort"`
		} `yaml:"ports"`
	} `yaml:"spec"`
}

type secret struct {
	Metadata   meta              `yaml:"metadata"`
	Data       map[string]string `yaml:"data"`
	StringData map[string]string `yaml:"stringData"`
}

type configMap struct {
	Metadata meta              `yaml:"metadata"`
	Data     map[string]string `yaml:"data"`
}

type networkPolicy struct {
	Metadata meta `yaml:"metadata"`
	Spec     struct {
		PodSelector struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"podSelector"`
		PolicyTypes []string `yaml:"policyTypes"`
		Ingress     []struct {
			Ports []struct {
				Port any `yaml:"port"`
			} `yaml:"ports"`
			From []struct {
				PodSelector *struct {
					MatchLabels map[string]string `yaml:"matchLabels"`
				} `yaml:"podSelector"`
				NamespaceSelector any `yaml:"namespaceSelector"`
			} `yaml:"from"`
		} `yaml:"ingress"`
	} `yaml:"spec"`
}

// rendered is one `helm template` output, split by kind.
type rendered struct {
	namespaces  map[string]bool
	deployments []*workload
	statefuls   []*workload
	services    map[string]*service
	secrets     map[string]*secret
	configMaps  map[string]*configMap
	policies    []*networkPolicy
	pvcs        map[string]bool
	pdbs        []*pdb
	kinds       map[string]int
}

func parseRendered(t *testing.T, data []byte) *rendered {
	t.Helper()
	r := &rendered{
		namespaces: map[string]bool{},
		services:   map[string]*service{},
		secrets:    map[string]*secret{},
		configMaps: map[string]*configMap{},
		pvcs:       map[string]bool{},
		kinds:      map[string]int{},
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for i := 0; ; i++ {
		var node yaml.Node
		err := dec.Decode(&node)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("document %d: %v", i, err)
		}
		if node.Kind == 0 || (node.Kind == yaml.DocumentNode && (len(node.Content) == 0 || node.Content[0].Tag == "!!null")) {
			continue // empty document (a template that rendered nothing)
		}
		var head struct {
			APIVersion string `yaml:"apiVersion"`
			Kind       string `yaml:"kind"`
			Metadata   meta   `yaml:"metadata"`
		}
		if err := node.Decode(&head); err != nil {
			t.Fatalf("document %d: %v", i, err)
		}
		if head.Kind == "" || head.APIVersion == "" || head.Metadata.Name == "" {
			t.Fatalf("document %d: missing apiVersion, kind or metadata.name", i)
		}
		r.kinds[head.Kind]++
		r.namespaces[head.Metadata.Namespace] = true
		decode := func(v any) {
			if err := node.Decode(v); err != nil {
				t.Fatalf("%s %s: %v", head.Kind, head.Metadata.Name, err)
			}
		}
		switch head.Kind {
		case "Deployment", "StatefulSet":
			w := &workload{}
			decode(w)
			if head.Kind == "Deployment" {
				r.deployments = append(r.deployments, w)
			} else {
				r.statefuls = append(r.statefuls, w)
			}
		case "Service":
			s := &service{}
			decode(s)
			r.services[s.Metadata.Name] = s
		case "Secret":
			s := &secret{}
			decode(s)
			r.secrets[s.Metadata.Name] = s
		case "ConfigMap":
			c := &configMap{}
			decode(c)
			r.configMaps[c.Metadata.Name] = c
		case "NetworkPolicy":
			np := &networkPolicy{}
			decode(np)
			r.policies = append(r.policies, np)
		case "PersistentVolumeClaim":
			r.pvcs[head.Metadata.Name] = true
		case "PodDisruptionBudget":
			b := &pdb{}
			decode(b)
			r.pdbs = append(r.pdbs, b)
		}
	}
	return r
}

func (r *rendered) namespace(t *testing.T) string {
	t.Helper()
	if len(r.namespaces) != 1 {
		t.Fatalf("objects are spread over namespaces %v; every object must carry the release namespace", keys(r.namespaces))
	}
	for ns := range r.namespaces {
		if ns == "" {
			t.Fatal("objects carry no metadata.namespace")
		}
		return ns
	}
	return ""
}

func (r *rendered) component(kind, name string) []*workload {
	var src []*workload
	if kind == "Deployment" {
		src = r.deployments
	} else {
		src = r.statefuls
	}
	var out []*workload
	for _, w := range src {
		if w.Metadata.Labels["app.kubernetes.io/component"] == name {
			out = append(out, w)
		}
	}
	return out
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// --- values: sie/values.yaml overlaid with ci-values/<case>.yaml ---

type values map[string]any

func merge(dst, src map[string]any) {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				merge(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
}

func loadValues(t *testing.T, name string) values {
	t.Helper()
	read := func(path string) map[string]any {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]any{}
		if err := yaml.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return m
	}
	v := read(filepath.Join("sie", "values.yaml"))
	if name == "values-ha" {
		merge(v, read(filepath.Join("sie", "values-ha.yaml")))
	} else if name != "default" {
		overlay := filepath.Join("ci-values", name+".yaml")
		if _, err := os.Stat(overlay); err != nil {
			t.Fatalf("rendered case %q has no %s", name, overlay)
		}
		merge(v, read(overlay))
	}
	return v
}

func (v values) get(path string) any {
	var cur any = map[string]any(v)
	for _, p := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[p]
	}
	return cur
}

func (v values) str(path string) string {
	switch x := v.get(path).(type) {
	case nil:
		return ""
	case string:
		return x
	default:
		return fmt.Sprint(x)
	}
}

func (v values) bool(path string) bool { b, _ := v.get(path).(bool); return b }

// --- helpers over containers ---

// tokenEnvNames are the variables that carry secrets.
var tokenEnvNames = map[string]bool{
	"SIE_ADMIN_TOKEN":          true,
	"SIE_AUTH_TOKEN":           true,
	"SIE_AUTH_TOKENS":          true,
	"SIE_CONFIG_READ_TOKEN":    true,
	"SIE_CONFIG_SERVICE_TOKEN": true,
}

func envMap(t *testing.T, c *container) map[string]envVar {
	t.Helper()
	m := map[string]envVar{}
	for _, e := range c.Env {
		if _, dup := m[e.Name]; dup {
			t.Errorf("container %s: env %s is set twice", c.Name, e.Name)
		}
		m[e.Name] = e
	}
	return m
}

func literal(t *testing.T, env map[string]envVar, name string) (string, bool) {
	t.Helper()
	e, ok := env[name]
	if !ok {
		return "", false
	}
	if e.Value == nil {
		t.Errorf("env %s: expected a literal value", name)
		return "", true
	}
	return *e.Value, true
}

func containerNamed(t *testing.T, w *workload, name string) *container {
	t.Helper()
	for i := range w.Spec.Template.Spec.Containers {
		if c := &w.Spec.Template.Spec.Containers[i]; c.Name == name {
			return c
		}
	}
	t.Fatalf("%s %s: no container %q", w.Kind, w.Metadata.Name, name)
	return nil
}

// trusts is the gateway's producer rule (sie-gateway.md §3.4): an entry t
// admits id when id == t or id starts with t + "-"; an empty list trusts all.
func trusts(csv, id string) bool {
	var list []string
	for _, p := range strings.Split(csv, ",") {
		if p = strings.TrimSpace(p); p != "" {
			list = append(list, p)
		}
	}
	if len(list) == 0 {
		return true
	}
	for _, p := range list {
		if id == p || strings.HasPrefix(id, p+"-") {
			return true
		}
	}
	return false
}

func selects(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// serviceFor returns the Service of that name, checking that it selects the
// workload's pods and that port reaches the container's port.
func serviceFor(t *testing.T, r *rendered, name string, port int, w *workload, c *container) {
	t.Helper()
	svc, ok := r.services[name]
	if !ok {
		t.Errorf("no Service %q (services: %v)", name, keys(r.services))
		return
	}
	if !selects(svc.Spec.Selector, w.Spec.Template.Metadata.Labels) {
		t.Errorf("Service %s does not select the pods of %s %s", name, w.Kind, w.Metadata.Name)
	}
	for _, p := range svc.Spec.Ports {
		if p.Port != port {
			continue
		}
		for _, cp := range c.Ports {
			if fmt.Sprint(p.TargetPort) == cp.Name || fmt.Sprint(p.TargetPort) == strconv.Itoa(cp.ContainerPort) {
				return
			}
		}
		t.Errorf("Service %s port %d targets %v, which is no port of container %s", name, port, p.TargetPort, c.Name)
		return
	}
	t.Errorf("Service %s has no port %d", name, port)
}

func checkProbes(t *testing.T, c *container) {
	t.Helper()
	check := func(kind string, p *probe, path string) {
		if p == nil || p.HTTPGet == nil {
			t.Errorf("container %s: no HTTP %s probe", c.Name, kind)
			return
		}
		if p.HTTPGet.Path != path {
			t.Errorf("container %s: %s probe path %q, want %q", c.Name, kind, p.HTTPGet.Path, path)
		}
		ok := false
		for _, cp := range c.Ports {
			if fmt.Sprint(p.HTTPGet.Port) == cp.Name || fmt.Sprint(p.HTTPGet.Port) == strconv.Itoa(cp.ContainerPort) {
				ok = cp.ContainerPort == 8080
			}
		}
		if !ok {
			t.Errorf("container %s: %s probe port %v is not the container's port 8080", c.Name, kind, p.HTTPGet.Port)
		}
	}
	check("startup", c.StartupProbe, "/healthz")
	check("liveness", c.LivenessProbe, "/healthz")
	check("readiness", c.ReadinessProbe, "/readyz")
}

func checkSecurity(t *testing.T, w *workload) {
	t.Helper()
	podNonRoot := w.Spec.Template.Spec.SecurityContext != nil &&
		w.Spec.Template.Spec.SecurityContext.RunAsNonRoot != nil && *w.Spec.Template.Spec.SecurityContext.RunAsNonRoot
	for _, c := range w.Spec.Template.Spec.Containers {
		sc := c.SecurityContext
		if sc == nil {
			t.Errorf("%s/%s: no securityContext", w.Metadata.Name, c.Name)
			continue
		}
		if !podNonRoot && (sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot) {
			t.Errorf("%s/%s: runAsNonRoot is not set", w.Metadata.Name, c.Name)
		}
		if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			t.Errorf("%s/%s: root filesystem is not read-only", w.Metadata.Name, c.Name)
		}
		if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			t.Errorf("%s/%s: allowPrivilegeEscalation is not false", w.Metadata.Name, c.Name)
		}
	}
}

// --- the test ---

func TestRenderedChart(t *testing.T) {
	dir := os.Getenv("SIE_HELM_RENDERED_DIR")
	if dir == "" {
		t.Skip("SIE_HELM_RENDERED_DIR is not set; run .ci/helm-check.sh")
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no rendered *.yaml in %s", dir)
	}
	sawDefault := false
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		sawDefault = sawDefault || name == "default"
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			checkCase(t, parseRendered(t, data), loadValues(t, name))
		})
	}
	if !sawDefault {
		t.Error("the default values were not rendered (default.yaml)")
	}
}

func checkCase(t *testing.T, r *rendered, v values) {
	ns := r.namespace(t)

	// Every workload: non-root, read-only root fs, selector matches its pods.
	for _, w := range append(append([]*workload{}, r.deployments...), r.statefuls...) {
		checkSecurity(t, w)
		if !selects(w.Spec.Selector.MatchLabels, w.Spec.Template.Metadata.Labels) {
			t.Errorf("%s %s: selector does not match its pod labels", w.Kind, w.Metadata.Name)
		}
		// Tokens reach containers only through secretKeyRef.
		for i := range w.Spec.Template.Spec.Containers {
			c := &w.Spec.Template.Spec.Containers[i]
			for _, e := range c.Env {
				if !tokenEnvNames[e.Name] && !strings.Contains(e.Name, "TOKEN") && !strings.Contains(e.Name, "PASSWORD") {
					continue
				}
				if e.Value != nil || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
					t.Errorf("%s/%s: %s must come from a secretKeyRef, never a literal value", w.Metadata.Name, c.Name, e.Name)
					continue
				}
				ref := e.ValueFrom.SecretKeyRef
				if strings.Contains(e.Name, "PASSWORD") {
					continue // the NATS passwords: checked by checkNATSAuth
				}
				if v.str("auth.existingSecret") == "" {
					s, ok := r.secrets[ref.Name]
					if !ok {
						t.Errorf("%s: Secret %q is not rendered", e.Name, ref.Name)
					} else if _, ok := s.Data[ref.Key]; !ok {
						t.Errorf("%s: Secret %s has no key %q", e.Name, ref.Name, ref.Key)
					}
				} else if ref.Name != v.str("auth.existingSecret") {
					t.Errorf("%s: refers to Secret %q, not auth.existingSecret %q", e.Name, ref.Name, v.str("auth.existingSecret"))
				}
			}
		}
	}
	for name, s := range r.secrets {
		for k, val := range s.StringData {
			t.Errorf("Secret %s: stringData %s=%q (the chart writes data only)", name, k, val)
		}
	}

	configs := r.component("Deployment", "config")
	gateways := r.component("Deployment", "gateway")
	natsSets := r.component("StatefulSet", "nats")

	// --- NATS ---
	var wantNATS string
	if v.bool("nats.enabled") {
		if len(natsSets) != 1 {
			t.Fatalf("nats.enabled: want 1 NATS StatefulSet, got %d", len(natsSets))
		}
		sts := natsSets[0]
		wantServers := 1
		if n := intValue(v.get("nats.replicas")); n > 0 {
			wantServers = n
		}
		if sts.Spec.Replicas == nil || *sts.Spec.Replicas != wantServers {
			t.Errorf("NATS StatefulSet: replicas %s, want nats.replicas=%d", intPtr(sts.Spec.Replicas), wantServers)
		}
		c := containerNamed(t, sts, "nats")
		checkNATSCluster(t, r, v, sts, c, wantServers)
		if !strings.HasPrefix(c.Image, "nats:") && !strings.Contains(c.Image, "/nats:") {
			t.Errorf("NATS image %q is not the official nats image", c.Image)
		}
		js := false
		for _, a := range c.Args {
			js = js || a == "-js" || a == "--jetstream"
		}
		if js != v.bool("nats.jetstream.enabled") {
			t.Errorf("NATS JetStream %v (args %v), want nats.jetstream.enabled=%v", js, c.Args, v.bool("nats.jetstream.enabled"))
		}
		if strings.HasPrefix(v.str("config.configStore.url"), "nats://") && !js {
			t.Errorf("a nats:// config store on a NATS without JetStream")
		}
		if _, ok := r.services[sts.Spec.ServiceName]; !ok {
			t.Errorf("NATS StatefulSet serviceName %q is not rendered", sts.Spec.ServiceName)
		}
		// The client URL names a Service that reaches the NATS client port.
		var clientSvc string
		for name, s := range r.services {
			if s.Spec.ClusterIP != "None" && selects(s.Spec.Selector, sts.Spec.Template.Metadata.Labels) {
				clientSvc = name
			}
		}
		if clientSvc == "" {
			t.Fatal("no ClusterIP Service selects the NATS pods")
		}
		serviceFor(t, r, clientSvc, 4222, sts, c)
		wantNATS = fmt.Sprintf("nats://%s.%s.svc.%s:4222", clientSvc, ns, v.str("clusterDomain"))
	} else {
		if len(natsSets) != 0 {
			t.Errorf("nats.enabled=false but a NATS StatefulSet is rendered")
		}
		wantNATS = v.str("nats.external.url")
	}
	natsURLs := map[string]bool{}
	for _, w := range append(append([]*workload{}, configs...), gateways...) {
		c := &w.Spec.Template.Spec.Containers[0]
		got, ok := literal(t, envMap(t, c), "SIE_NATS_URL")
		if !ok {
			got = "" // standalone
		}
		natsURLs[got] = true
		if got != wantNATS {
			t.Errorf("%s: SIE_NATS_URL %q, want %q", w.Metadata.Name, got, wantNATS)
		}
	}
	if len(natsURLs) > 1 {
		t.Errorf("more than one NATS URL in the release: %v", keys(natsURLs))
	}

	// --- sie-config ---
	var configSecretRef *keyRef
	var configName string
	if !v.bool("config.enabled") {
		if len(configs) != 0 {
			t.Errorf("config.enabled=false but a sie-config Deployment is rendered")
		}
	} else {
		if len(configs) != 1 {
			t.Fatalf("want exactly 1 sie-config Deployment, got %d", len(configs))
		}
		d := configs[0]
		configName = d.Metadata.Name
		c := containerNamed(t, d, "sie-config")
		env := envMap(t, c)
		checkConfigReplicas(t, r, v, d, env)
		checkProbes(t, c)
		serviceFor(t, r, configName, intValue(v.get("config.service.port")), d, c)

		if e, ok := env["POD_NAME"]; !ok || e.ValueFrom == nil || e.ValueFrom.FieldRef == nil || e.ValueFrom.FieldRef.FieldPath != "metadata.name" {
			t.Errorf("sie-config: POD_NAME must come from fieldRef metadata.name")
		}

		// Store.
		storeDir, hasStore := literal(t, env, "SIE_CONFIG_STORE_DIR")
		restore, _ := literal(t, env, "SIE_CONFIG_RESTORE")
		pvcMounts := map[string]string{} // mount path -> claim
		for _, vol := range d.Spec.Template.Spec.Volumes {
			if vol.PersistentVolumeClaim == nil {
				continue
			}
			for _, m := range c.VolumeMounts {
				if m.Name == vol.Name {
					pvcMounts[m.MountPath] = vol.PersistentVolumeClaim.ClaimName
				}
			}
			if v.str("config.configStore.existingClaim") == "" && !r.pvcs[vol.PersistentVolumeClaim.ClaimName] {
				t.Errorf("sie-config mounts PVC %q, which is not rendered", vol.PersistentVolumeClaim.ClaimName)
			}
		}
		if hasStore && storeDir != "" {
			if restore != "true" {
				t.Errorf("a store is configured (%s) but SIE_CONFIG_RESTORE=%q, want true", storeDir, restore)
			}
			isURL := strings.HasPrefix(storeDir, "s3://") || strings.HasPrefix(storeDir, "gs://") || strings.HasPrefix(storeDir, "nats://")
			if !isURL {
				if claim, ok := pvcMounts[storeDir]; !ok {
					t.Errorf("SIE_CONFIG_STORE_DIR=%s is not the mount path of a PVC (PVC mounts: %v)", storeDir, pvcMounts)
				} else if claim == "" {
					t.Errorf("empty claim name")
				}
			} else if len(pvcMounts) != 0 {
				t.Errorf("store %s is a bucket, but a PVC is mounted too: %v", storeDir, pvcMounts)
			}
		} else if restore != "" || len(pvcMounts) != 0 {
			t.Errorf("no store, but SIE_CONFIG_RESTORE=%q and PVC mounts %v", restore, pvcMounts)
		}
		switch {
		case v.str("config.configStore.url") != "":
			if storeDir != v.str("config.configStore.url") {
				t.Errorf("SIE_CONFIG_STORE_DIR=%q, want config.configStore.url %q", storeDir, v.str("config.configStore.url"))
			}
			if len(r.pvcs) != 0 {
				t.Errorf("a bucket store renders no PVC, got %v", keys(r.pvcs))
			}
		case v.bool("config.configStore.enabled"):
			if len(pvcMounts) != 1 {
				t.Errorf("config.configStore.enabled: want one PVC mount, got %v", pvcMounts)
			}
			if storeDir != v.str("config.configStore.mountPath") {
				t.Errorf("SIE_CONFIG_STORE_DIR=%q, want config.configStore.mountPath %q", storeDir, v.str("config.configStore.mountPath"))
			}
		}
		if e, ok := env["SIE_ADMIN_TOKEN"]; ok && e.ValueFrom != nil {
			configSecretRef = e.ValueFrom.SecretKeyRef
		}
		wantServable := strconv.FormatBool(v.bool("config.requireServable"))
		if got, _ := literal(t, env, "SIE_CONFIG_REQUIRE_SERVABLE"); got != wantServable {
			t.Errorf("SIE_CONFIG_REQUIRE_SERVABLE=%q, want %s (config.requireServable)", got, wantServable)
		}
		// The root filesystem is read-only: a local store must live on the PVC
		// (checked above); nothing else needs checking here.
	}

	// --- gateways ---
	if len(gateways) != 1 {
		t.Fatalf("want 1 gateway Deployment, got %d", len(gateways))
	}
	g := gateways[0]
	if g.Spec.Replicas == nil || *g.Spec.Replicas != intValue(v.get("gateway.replicas")) {
		t.Errorf("gateway replicas %s, want gateway.replicas=%v", intPtr(g.Spec.Replicas), v.get("gateway.replicas"))
	}
	gc := containerNamed(t, g, "sie-gateway")
	genv := envMap(t, gc)
	checkProbes(t, gc)
	checkHealthMode(t, genv, v)
	serviceFor(t, r, g.Metadata.Name, intValue(v.get("gateway.service.port")), g, gc)
	if e, ok := genv["POD_NAME"]; !ok || e.ValueFrom == nil || e.ValueFrom.FieldRef == nil || e.ValueFrom.FieldRef.FieldPath != "metadata.name" {
		t.Errorf("sie-gateway: POD_NAME (its id among the gateways) must come from fieldRef metadata.name")
	}

	svcURL, _ := literal(t, genv, "SIE_CONFIG_SERVICE_URL")
	producers, hasProducers := literal(t, genv, "SIE_NATS_CONFIG_TRUSTED_PRODUCERS")
	if configName != "" {
		// The URL names the config Service, in the release namespace, on the
		// Service's port.
		u, err := url.Parse(svcURL)
		if err != nil || u.Scheme != "http" {
			t.Fatalf("gateway SIE_CONFIG_SERVICE_URL %q is not an http URL", svcURL)
		}
		wantHost := fmt.Sprintf("%s.%s.svc.%s", configName, ns, v.str("clusterDomain"))
		if u.Hostname() != wantHost {
			t.Errorf("SIE_CONFIG_SERVICE_URL host %q, want %q (the config Service in namespace %s)", u.Hostname(), wantHost, ns)
		}
		port, _ := strconv.Atoi(u.Port())
		serviceFor(t, r, configName, port, configs[0], containerNamed(t, configs[0], "sie-config"))

		// D3n: the allow-list is <fullname>-config and admits the pod names of
		// the config Deployment (<deployment>-<replicaset hash>-<suffix>).
		if !hasProducers || producers != configName {
			t.Errorf("SIE_NATS_CONFIG_TRUSTED_PRODUCERS=%q, want %q", producers, configName)
		}
		for _, pod := range []string{configName + "-5f7b6d8c9d-kxwvr", configName + "-6c4f9b7d5-abcde"} {
			if !trusts(producers, pod) {
				t.Errorf("trusted producers %q do not admit sie-config pod %q", producers, pod)
			}
		}
		if trusts(producers, configName+"uration-0") || trusts(producers, "sie-gateway-0") {
			t.Errorf("trusted producers %q admit foreign publishers", producers)
		}

		// The gateway's admin token is sie-config's: same Secret, same key.
		gAdmin, ok := genv["SIE_ADMIN_TOKEN"]
		switch {
		case configSecretRef == nil && ok:
			t.Errorf("the gateway has SIE_ADMIN_TOKEN but sie-config has none")
		case configSecretRef != nil && (!ok || gAdmin.ValueFrom == nil || gAdmin.ValueFrom.SecretKeyRef == nil):
			t.Errorf("sie-config has SIE_ADMIN_TOKEN but the gateway does not get it from the same Secret")
		case configSecretRef != nil:
			if gr := gAdmin.ValueFrom.SecretKeyRef; gr.Name != configSecretRef.Name || gr.Key != configSecretRef.Key {
				t.Errorf("gateway SIE_ADMIN_TOKEN from %s/%s, sie-config's from %s/%s", gr.Name, gr.Key, configSecretRef.Name, configSecretRef.Key)
			}
		}
	} else {
		if want := v.str("gateway.configServiceUrl"); svcURL != want {
			t.Errorf("SIE_CONFIG_SERVICE_URL=%q, want gateway.configServiceUrl %q", svcURL, want)
		}
		if want := v.str("gateway.trustedProducers"); want != "" && producers != want {
			t.Errorf("SIE_NATS_CONFIG_TRUSTED_PRODUCERS=%q, want %q", producers, want)
		}
	}
	checkNATSAuth(t, r, v, natsSets, configs, gateways)

	if mode, ok := literal(t, genv, "SIE_AUTH_MODE"); ok {
		switch mode {
		case "none", "token", "static":
		default:
			t.Errorf("SIE_AUTH_MODE=%q would stop the gateway (exit 2)", mode)
		}
		if mode != "none" {
			if _, ok := genv["SIE_AUTH_TOKEN"]; !ok {
				if _, ok := genv["SIE_AUTH_TOKENS"]; !ok {
					t.Errorf("SIE_AUTH_MODE=%s without user tokens: every request would fail", mode)
				}
			}
		}
	}
}

func intPtr(p *int) string {
	if p == nil {
		return "unset"
	}
	return strconv.Itoa(*p)
}

func intValue(x any) int {
	switch n := x.(type) {
	case int:
		return n
	case int64:
		return int(n)
	case float64:
		return int(n)
	case string:
		i, _ := strconv.Atoi(n)
		return i
	}
	return -1
}

// TestTrusts pins the producer rule the D3n check relies on.
func TestTrusts(t *testing.T) {
	cases := []struct {
		csv, id string
		want    bool
	}{
		{"sie-config", "sie-config", true},
		{"sie-config", "sie-config-0", true},
		{"sie-config", "sie-config-5f7b6d8c-kxwvr", true},
		{"sie-config", "sie-configuration", false},
		{"sie-config", "", false},
		{"", "anything", true},
		{"a, rel-sie-config", "rel-sie-config-7d9c-x1", true},
	}
	for _, c := range cases {
		if got := trusts(c.csv, c.id); got != c.want {
			t.Errorf("trusts(%q, %q) = %v, want %v", c.csv, c.id, got, c.want)
		}
	}
}
