package bus

// The least-privilege matrix of an SIE deployment's NATS: who may publish
// and subscribe what. It is the single source for `siectl dev --secure`,
// the tests, and the Helm chart's authorization block (whose test compares
// the chart against it). docs/security.md explains it.

// Role is one kind of NATS client.
type Role string

// The three roles. Each component gets its own user.
const (
	RoleConfig  Role = "sie-config"
	RoleGateway Role = "sie-gateway"
	RoleWorker  Role = "sie-worker"
)

// Subjects outside the config deltas that the matrix names.
const (
	// SubjectHealthAll is every worker heartbeat (sie.health.<worker id>).
	SubjectHealthAll = "sie.health.>"
	// SubjectGatewayAll is the gateways' own traffic: heartbeats and
	// fleet-wide status requests among gateways.
	SubjectGatewayAll = "sie.gateway.>"
	// SubjectDeltasAll is every config delta subject.
	SubjectDeltasAll = "sie.config.models.>"
	// subjectInbox receives replies to a client's own requests.
	subjectInbox = "_INBOX.>"
)

// Permission is what one role may do. Empty Publish or Subscribe lists
// mean "nothing" (never "everything").
type Permission struct {
	Publish   []string
	Subscribe []string
	// AllowResponses lets the client answer requests it received (the reply
	// subject only, once), without a blanket publish right on _INBOX.>.
	AllowResponses bool
}

// Matrix returns the permissions of each role. Workers may subscribe the
// delta subjects of workerBundles only; with none given, every bundle's
// subject (never _all, which carries every bundle's documents).
func Matrix(workerBundles []string) map[Role]Permission {
	workerSubs := []string{"sie.config.models.*"}
	if len(workerBundles) > 0 {
		workerSubs = nil
		for _, b := range workerBundles {
			workerSubs = append(workerSubs, SubjectForBundle(b))
		}
	}
	return map[Role]Permission{
		// The single writer: it announces deltas and reads nothing.
		RoleConfig: {Publish: []string{SubjectDeltasAll}},
		// Read side: every delta, worker heartbeats, its peers.
		RoleGateway: {
			Publish:        []string{SubjectGatewayAll},
			Subscribe:      []string{SubjectAll, SubjectHealthAll, SubjectGatewayAll, subjectInbox},
			AllowResponses: true,
		},
		// A worker reads its bundle's deltas and reports its health.
		RoleWorker: {Publish: []string{SubjectHealthAll}, Subscribe: workerSubs},
	}
}

// WorkerDenySubscribe is what a worker must never read even when its allow
// list is the wildcard: the _all subject.
var WorkerDenySubscribe = []string{SubjectAll}

// With is p with extra's subjects added (its AllowResponses kept).
func (p Permission) With(extra Permission) Permission {
	p.Publish = append(append([]string(nil), p.Publish...), extra.Publish...)
	p.Subscribe = append(append([]string(nil), p.Subscribe...), extra.Subscribe...)
	return p
}

// ConfigStorePermission is what sie-config needs besides its deltas when
// its store is nats://<bucket>: the JetStream API of that one stream (info
// and create, message reads, the ordered consumers that follow it), its
// subjects, and replies on its inbox. Nothing of any other stream.
func ConfigStorePermission(bucket string) Permission {
	stream := "SIE_CONFIG_" + bucket
	return Permission{
		Publish: []string{
			"sie.store." + bucket + ".>",
			"$JS.API.STREAM.*." + stream,
			"$JS.API.STREAM.MSG.GET." + stream,
			"$JS.API.DIRECT.GET." + stream,
			"$JS.API.DIRECT.GET." + stream + ".>",
			"$JS.API.CONSUMER.*." + stream,
			"$JS.API.CONSUMER.*." + stream + ".>",
			"$JS.API.CONSUMER.MSG.NEXT." + stream + ".>",
		},
		Subscribe: []string{subjectInbox},
	}
}
