{{- define "spothive-agent.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "spothive-agent.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "spothive-agent.selectorLabels" -}}
app.kubernetes.io/name: {{ include "spothive-agent.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "spothive-agent.labels" -}}
{{ include "spothive-agent.selectorLabels" . }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: spothive
{{- end -}}

{{- define "spothive-agent.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "spothive-agent.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "spothive-agent.secretName" -}}
{{- default (printf "%s-token" (include "spothive-agent.fullname" .)) .Values.api.existingSecret -}}
{{- end -}}
