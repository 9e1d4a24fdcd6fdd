{{/*
Names. The fullname is kept to 49 characters so that "<fullname>-gateway"
and "<fullname>-nats-headless" stay valid DNS labels (63).
*/}}
{{- define "sie.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 49 | trimSuffix "-" }}
{{- end }}

{{- define "sie.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 49 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 49 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 49 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "sie.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* sie-config's Deployment and Service name; its pods are <this>-<hash>-<id>. */}}
{{- define "sie.configName" -}}
{{- printf "%s-config" (include "sie.fullname" .) }}
{{- end }}

{{- define "sie.gatewayName" -}}
{{- printf "%s-gateway" (include "sie.fullname" .) }}
{{- end }}

{{- define "sie.natsName" -}}
{{- printf "%s-nats" (include "sie.fullname" .) }}
{{- end }}

{{/* Labels. Call with (dict "root" $ "component" "config"). */}}
{{- define "sie.selectorLabels" -}}
app.kubernetes.io/name: {{ include "sie.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "sie.labels" -}}
helm.sh/chart: {{ include "sie.chart" .root }}
{{ include "sie.selectorLabels" . }}
app.kubernetes.io/part-of: sie
{{- if .root.Chart.AppVersion }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- end }}

{{/* Image reference. Call with (dict "root" $ "image" .Values.config.image). */}}
{{- define "sie.image" -}}
{{- printf "%s:%s" .image.repository (default .root.Chart.AppVersion .image.tag | toString) }}
{{- end }}

{{/*
The one NATS URL of the release, used by sie-config and every gateway.
Empty when NATS is disabled and no external URL is given (standalone).
*/}}
{{- define "sie.natsURL" -}}
{{- if .Values.nats.enabled }}
{{- printf "nats://%s.%s.svc.%s:4222" (include "sie.natsName" .) .Release.Namespace .Values.clusterDomain }}
{{- else if .Values.nats.external.url }}
{{- .Values.nats.external.url }}
{{- end }}
{{- end }}

{{/* The gateways' sie-config base URL (empty: none). */}}
{{- define "sie.configServiceURL" -}}
{{- if .Values.gateway.configServiceUrl }}
{{- .Values.gateway.configServiceUrl }}
{{- else if .Values.config.enabled }}
{{- printf "http://%s.%s.svc.%s:%v" (include "sie.configName" .) .Release.Namespace .Values.clusterDomain .Values.config.service.port }}
{{- end }}
{{- end }}

{{/* D3n: the producer allow-list that admits sie-config's POD_NAME. */}}
{{- define "sie.trustedProducers" -}}
{{- default (include "sie.configName" .) .Values.gateway.trustedProducers }}
{{- end }}

{{/*
Store mode of sie-config: "url" (s3:// or gs://), "pvc", or "" (none).
*/}}
{{- define "sie.storeMode" -}}
{{- if .Values.config.configStore.url }}url{{- else if .Values.config.configStore.enabled }}pvc{{- end }}
{{- end }}

{{/* "true" when sie-config's store is a nats:// (JetStream) store. */}}
{{- define "sie.natsStore" -}}
{{- if hasPrefix "nats://" (toString .Values.config.configStore.url) }}true{{ end }}
{{- end }}

{{/* The JetStream stream of a nats:// store. */}}
{{- define "sie.natsStoreStream" -}}
{{- printf "SIE_CONFIG_%s" (trimPrefix "nats://" .Values.config.configStore.url) }}
{{- end }}

{{- define "sie.storeClaimName" -}}
{{- default (printf "%s-store" (include "sie.configName" .)) .Values.config.configStore.existingClaim }}
{{- end }}

{{/* Tokens. */}}
{{- define "sie.authSecretName" -}}
{{- default (printf "%s-auth" (include "sie.fullname" .)) .Values.auth.existingSecret }}
{{- end }}

{{/*
The Secret key holding a token, or "" when that token is not configured.
Call with (dict "root" $ "kind" "admin"|"inference"|"read").
*/}}
{{- define "sie.tokenKey" -}}
{{- $a := .root.Values.auth }}
{{- if $a.existingSecret }}
{{- index $a.existingSecretKeys .kind | default "" }}
{{- else if eq .kind "admin" }}{{ if $a.adminToken }}admin-token{{ end }}
{{- else if eq .kind "inference" }}{{ if $a.inferenceToken }}inference-token{{ end }}
{{- else if eq .kind "read" }}{{ if $a.readToken }}read-token{{ end }}
{{- end }}
{{- end }}

{{/* A token env entry as a dict, for (dict "root" $ "kind" K "name" ENV). */}}
{{- define "sie.tokenEnv" -}}
{{- $key := include "sie.tokenKey" . }}
{{- if $key }}
name: {{ .name }}
valueFrom:
  secretKeyRef:
    name: {{ include "sie.authSecretName" .root }}
    key: {{ $key }}
{{- end }}
{{- end }}

{{- define "sie.tokenNames" -}}
SIE_ADMIN_TOKEN,SIE_AUTH_TOKEN,SIE_AUTH_TOKENS,SIE_CONFIG_READ_TOKEN,SIE_CONFIG_SERVICE_TOKEN,SIE_NATS_PASSWORD,SIE_NATS_NKEY_SEED
{{- end }}

{{/*
Merge the chart's env (list of EnvVar dicts) with the user's extraEnv: an
extraEnv entry replaces the chart's entry of the same name, so no name appears
twice. Literal token values in extraEnv are refused.
Call with (dict "env" $env "extra" .Values.config.extraEnv "where" "config.extraEnv").
*/}}
{{- define "sie.mergeEnv" -}}
{{- $tokens := splitList "," (include "sie.tokenNames" .) }}
{{- $extraNames := dict }}
{{- range .extra }}
{{- if not .name }}{{ fail (printf "%s: every entry needs a name" $.where) }}{{ end }}
{{- if and (has .name $tokens) (not .valueFrom) }}
{{- fail (printf "%s: %s must not be a literal value; use auth.* (Secret) or a valueFrom.secretKeyRef" $.where .name) }}
{{- end }}
{{- $_ := set $extraNames .name true }}
{{- end }}
{{- $out := list }}
{{- range .env }}
{{- if not (hasKey $extraNames .name) }}
{{- $out = append $out . }}
{{- end }}
{{- end }}
{{- $out = concat $out .extra }}
{{- toYaml $out }}
{{- end }}

{{/* The value of an extraEnv entry with a literal value, or "". */}}
{{- define "sie.extraEnvValue" -}}
{{- range .extra }}
{{- if and (eq .name $.name) (hasKey . "value") }}{{ .value }}{{ end }}
{{- end }}
{{- end }}

{{/* Probes for the two SIE services (port name "http"). */}}
{{- define "sie.probes" -}}
startupProbe:
  httpGet:
    path: /healthz
    port: http
  periodSeconds: {{ .Values.probes.startup.periodSeconds }}
  failureThreshold: {{ .Values.probes.startup.failureThreshold }}
  timeoutSeconds: {{ .Values.probes.startup.timeoutSeconds }}
livenessProbe:
  httpGet:
    path: /healthz
    port: http
  periodSeconds: {{ .Values.probes.liveness.periodSeconds }}
  failureThreshold: {{ .Values.probes.liveness.failureThreshold }}
  timeoutSeconds: {{ .Values.probes.liveness.timeoutSeconds }}
readinessProbe:
  httpGet:
    path: /readyz
    port: http
  periodSeconds: {{ .Values.probes.readiness.periodSeconds }}
  failureThreshold: {{ .Values.probes.readiness.failureThreshold }}
  timeoutSeconds: {{ .Values.probes.readiness.timeoutSeconds }}
{{- end }}

{{/* Pod and container security contexts (images run as 65532, no shell). */}}
{{- define "sie.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "sie.containerSecurityContext" -}}
runAsNonRoot: true
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
capabilities:
  drop:
    - ALL
{{- end }}

{{- define "sie.metricsAnnotations" -}}
{{- if .Values.metrics.podAnnotations -}}
prometheus.io/scrape: "true"
prometheus.io/port: "8080"
prometheus.io/path: /metrics
{{- end }}
{{- end }}

{{/*
Checks on the values that would otherwise render a broken release.
*/}}
{{- define "sie.validate" -}}
{{- $url := .Values.config.configStore.url }}
{{- if and $url (not (or (hasPrefix "s3://" $url) (hasPrefix "gs://" $url) (hasPrefix "nats://" $url))) }}
{{- fail (printf "config.configStore.url must start with s3://, gs:// or nats:// (got %q); for a volume use config.configStore.enabled" $url) }}
{{- end }}
{{- $natsStore := include "sie.natsStore" . }}
{{- $jetstream := and (or .Values.nats.enabled .Values.nats.external.url) .Values.nats.jetstream.enabled }}
{{- if and $natsStore (not $jetstream) }}
{{- fail "config.configStore.url nats:// needs NATS with JetStream (nats.enabled or nats.external.url, and nats.jetstream.enabled)" }}
{{- end }}
{{- if and $natsStore (not (regexMatch "^nats://[A-Za-z0-9_-]{1,64}$" $url)) }}
{{- fail (printf "config.configStore.url %q: a nats:// store is nats://<bucket>, the bucket 1-64 letters, digits, '-' or '_'" $url) }}
{{- end }}
{{- if lt (int .Values.config.replicas) 1 }}
{{- fail "config.replicas must be >= 1 (config.enabled=false removes sie-config)" }}
{{- end }}
{{- if and (gt (int .Values.config.replicas) 1) (not (and $natsStore $jetstream)) }}
{{- fail (printf "config.replicas=%v needs config.configStore.url nats://<bucket> and JetStream (nats.jetstream.enabled): any other store has a single writer" .Values.config.replicas) }}
{{- end }}
{{- $sr := int .Values.config.configStore.replicas }}
{{- if or (lt $sr 1) (gt $sr 5) }}
{{- fail "config.configStore.replicas must be from 1 to 5" }}
{{- end }}
{{- if and $natsStore .Values.nats.enabled (gt $sr (int .Values.nats.replicas)) }}
{{- fail (printf "config.configStore.replicas=%d exceeds nats.replicas=%v: JetStream keeps each replica on its own server" $sr .Values.nats.replicas) }}
{{- end }}
{{- if not (has (int .Values.nats.replicas) (list 1 3 5)) }}
{{- fail "nats.replicas must be 1, 3 or 5" }}
{{- end }}
{{- if and (eq (include "sie.storeMode" .) "pvc") (include "sie.extraEnvValue" (dict "extra" .Values.config.extraEnv "name" "SIE_CONFIG_STORE_DIR")) }}
{{- fail "config.extraEnv sets SIE_CONFIG_STORE_DIR while config.configStore.enabled mounts a volume; use one of them (config.configStore.url for s3:// or gs://)" }}
{{- end }}
{{- if not (has (toString .Values.gateway.authMode) (list "" "none" "token" "static")) }}
{{- fail (printf "gateway.authMode must be none, token or static (got %q)" (toString .Values.gateway.authMode)) }}
{{- end }}
{{- if and (not .Values.config.enabled) (not .Values.gateway.configServiceUrl) }}
{{- fail "config.enabled=false needs gateway.configServiceUrl (the sie-config the gateways follow)" }}
{{- end }}
{{- if and (not .Values.nats.enabled) .Values.nats.external.url (not (regexMatch "^(nats|tls|ws|wss)://" .Values.nats.external.url)) }}
{{- fail (printf "nats.external.url must be a nats:// (or tls://, ws://, wss://) URL (got %q)" .Values.nats.external.url) }}
{{- end }}
{{- if lt (int .Values.gateway.replicas) 0 }}
{{- fail "gateway.replicas must be >= 0" }}
{{- end }}
{{- $health := default "ws" (toString .Values.gateway.healthMode) }}
{{- if not (has $health (list "ws" "nats" "both")) }}
{{- fail (printf "gateway.healthMode must be ws, nats or both (got %q)" $health) }}
{{- end }}
{{- if and (ne $health "ws") (not (include "sie.natsURL" .)) }}
{{- fail (printf "gateway.healthMode=%s needs NATS (nats.enabled, or nats.external.url): workers announce themselves on NATS" $health) }}
{{- end }}
{{- end }}

{{/*
NATS users (auth on the chart's NATS). Components: config, gateway, worker.
*/}}
{{- define "sie.natsAuth" -}}
{{- if and .Values.nats.enabled .Values.nats.auth.enabled }}true{{ end }}
{{- end }}

{{/* The NATS user of a component. Call with (dict "root" $ "component" C). */}}
{{- define "sie.natsUser" -}}
{{- printf "sie-%s" .component }}
{{- end }}

{{/* The Secret holding a component's NATS password (key "password"). */}}
{{- define "sie.natsSecretName" -}}
{{- $existing := index .root.Values.nats.auth.existingSecrets .component }}
{{- default (printf "%s-nats-%s" (include "sie.fullname" .root) .component) $existing }}
{{- end }}

{{/* The env of a NATS client component: its user and its password. */}}
{{- define "sie.natsClientEnv" -}}
- name: SIE_NATS_USER
  value: {{ include "sie.natsUser" . | quote }}
- name: SIE_NATS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "sie.natsSecretName" . }}
      key: password
{{- end }}

{{/* The variable the NATS server reads a component's password from. */}}
{{- define "sie.natsPasswordVar" -}}
{{- printf "SIE_NATS_%s_PASSWORD" (upper .component) }}
{{- end }}
