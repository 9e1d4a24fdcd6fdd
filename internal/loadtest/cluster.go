package loadtest

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
)

// modelDoc is a typical stored document (~200 bytes).
func modelDoc(id string) string {
	return "sie_id: " + id + "\nhf_id: " + id + "\ntasks:\n  encode:\n    dense:\n      dim: 768\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:BertFlashAdapter\n    max_batch_tokens: 8192\n"
}

// postBody is the body of a POST of a new model.
func postBody(id string) string {
	return "sie_id: " + id + "\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:BertFlashAdapter\n    max_batch_tokens: 8192\n"
}

func fileName(id string) string { return strings.ReplaceAll(id, "/", "__") + ".yaml" }

// layout is a catalog (one bundle, seeds) and a store directory.
type layout struct{ bundles, seeds, store string }

// newLayout writes one bundle, n seed models and stored API documents.
func newLayout(dir string, seeds, stored int) (layout, int64, error) {
	l := layout{filepath.Join(dir, "bundles"), filepath.Join(dir, "seeds"), filepath.Join(dir, "store")}
	for _, d := range []string{l.bundles, l.seeds, filepath.Join(l.store, "models")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return l, 0, err
		}
	}
	if err := os.WriteFile(filepath.Join(l.bundles, "default.yaml"),
		[]byte("name: default\npriority: 10\nadapters:\n- sie_server.adapters.bert_flash\n"), 0o644); err != nil {
		return l, 0, err
	}
	for i := range seeds {
		id := fmt.Sprintf("m%05d/seed", i)
		if err := os.WriteFile(filepath.Join(l.seeds, fileName(id)), []byte(modelDoc(id)), 0o644); err != nil {
			return l, 0, err
		}
	}
	var text int64
	for i := range stored {
		id := fmt.Sprintf("s%03d/stored-%07d", i%1000, i)
		doc := modelDoc(id)
		text += int64(len(doc))
		if err := os.WriteFile(filepath.Join(l.store, "models", fileName(id)), []byte(doc), 0o600); err != nil {
			return l, 0, err
		}
	}
	return l, text, nil
}

// cluster is NATS (embedded here), sie-config and gateways as processes.
type cluster struct {
	nats     *natsserver.Server
	config   *proc
	gateways []*proc
}

func startNATS(port int) (*natsserver.Server, error) {
	ns, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: port, NoLog: true, NoSigs: true, MaxPayload: 8 << 20})
	if err != nil {
		return nil, err
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		return nil, fmt.Errorf("nats not ready")
	}
	return ns, nil
}

// startConfig runs sie-config on l with NATS.
func startConfig(bins Binaries, ports *Ports, l layout, natsURL string, logTo io.Writer) (*proc, error) {
	port, err := ports.Take()
	if err != nil {
		return nil, err
	}
	return start(filepath.Join(bins.Dir, "sie-config"), "sie-config", port, []string{
		"SIE_BUNDLES_DIR=" + l.bundles, "SIE_MODELS_DIR=" + l.seeds, "SIE_CONFIG_STORE_DIR=" + l.store,
		"SIE_CONFIG_RESTORE=true", "SIE_NATS_URL=" + natsURL, "POD_NAME=sie-config-0",
	}, logTo)
}

func startGateway(bins Binaries, ports *Ports, configURL, natsURL string, logTo io.Writer) (*proc, error) {
	port, err := ports.Take()
	if err != nil {
		return nil, err
	}
	return start(filepath.Join(bins.Dir, "sie-gateway"), "sie-gateway", port, []string{
		"SIE_CONFIG_SERVICE_URL=" + configURL, "SIE_NATS_URL=" + natsURL,
	}, logTo)
}

// startCluster runs sie-config on l and g gateways, all ready.
func startCluster(bins Binaries, ports *Ports, l layout, g int, logTo io.Writer) (*cluster, error) {
	natsPort, err := ports.Take()
	if err != nil {
		return nil, err
	}
	c := &cluster{}
	if c.nats, err = startNATS(natsPort); err != nil {
		return nil, err
	}
	url := c.nats.ClientURL()
	if c.config, err = startConfig(bins, ports, l, url, logTo); err != nil {
		c.stop()
		return nil, err
	}
	if _, err := c.config.waitFor("/readyz", time.Now(), 10*time.Minute); err != nil {
		c.stop()
		return nil, err
	}
	for range g {
		gw, err := startGateway(bins, ports, c.config.url, url, logTo)
		if err != nil {
			c.stop()
			return nil, err
		}
		c.gateways = append(c.gateways, gw)
		if _, err := gw.waitFor("/readyz", time.Now(), 5*time.Minute); err != nil {
			c.stop()
			return nil, err
		}
	}
	return c, nil
}

func (c *cluster) stop() {
	for _, g := range c.gateways {
		g.stop()
	}
	c.config.stop()
	if c.nats != nil {
		c.nats.Shutdown()
	}
}
