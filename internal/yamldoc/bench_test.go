package yamldoc

import "testing"

const benchDoc = `name: org/model
hf_id: org/model
adapter: sie_server.adapters.bert_flash:BertFlashAdapter
inputs: [text]
outputs: [dense]
dims: {dense: 768}
max_sequence_length: 8192
profiles:
  default:
    max_batch_tokens: 16384
    pooling: mean
    normalize: true
    compute_precision: bfloat16
    loadtime:
      attn_implementation: sdpa
    lr: 1.0e-05
`

func BenchmarkParse(b *testing.B) {
	for b.Loop() {
		if _, err := Parse([]byte(benchDoc)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEmit(b *testing.B) {
	m, err := Parse([]byte(benchDoc))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		Emit(m)
	}
}
