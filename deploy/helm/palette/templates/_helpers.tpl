{{/*
Names. The StatefulSet's pods are <fullname>-<ordinal>; the container derives its controller id
from that ordinal, so the names must stay short enough for Kubernetes (63 characters).
*/}}
{{- define "palette.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 52 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "palette.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: controller
{{- end -}}

{{- define "palette.labels" -}}
{{ include "palette.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Namespace of the OpenWhisk release (deploy-kube), defaulting to ours. */}}
{{- define "palette.owNamespace" -}}
{{- default .Release.Namespace .Values.openwhisk.namespace -}}
{{- end -}}

{{/*
Kafka brokers, named as deploy-kube's `openwhisk.kafka_connect` helper names them
(helm/openwhisk/templates/_helpers.tpl), unless an explicit list is given.
*/}}
{{- define "palette.kafkaBrokers" -}}
{{- $ow := .Values.openwhisk -}}
{{- if $ow.kafka.brokers -}}
{{- $ow.kafka.brokers -}}
{{- else -}}
{{- $kname := printf "%s-kafka" $ow.releaseName -}}
{{- $ns := include "palette.owNamespace" . -}}
{{- range $i, $e := until (int $ow.kafka.replicaCount) -}}
{{- if ne $i 0 }},{{ end }}{{ $kname }}-{{ $i }}.{{ $kname }}.{{ $ns }}.svc.{{ $ow.clusterDomain }}:{{ $ow.kafka.port }}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* CouchDB URL, as deploy-kube's `openwhisk.db_host` and db_url (templates/ow-db-cm.yaml). */}}
{{- define "palette.couchdbUrl" -}}
{{- $db := .Values.openwhisk.db -}}
{{- if $db.url -}}
{{- $db.url -}}
{{- else -}}
{{- printf "%s://%s-couchdb.%s.svc.%s:%v" $db.protocol .Values.openwhisk.releaseName (include "palette.owNamespace" .) .Values.openwhisk.clusterDomain $db.port -}}
{{- end -}}
{{- end -}}

{{- define "palette.dbSecretName" -}}
{{- default (printf "%s-db.auth" .Values.openwhisk.releaseName) .Values.openwhisk.db.authSecret.name -}}
{{- end -}}
