{{/* The chart's names (the release's: touchpoint-api, touchpoint-worker... for a release named touchpoint),
labels and the parts every pod shares. */}}
{{- define "touchpoint.fullname" -}}
{{ .Release.Name }}
{{- end }}

{{- define "touchpoint.labels" -}}
app.kubernetes.io/name: touchpoint
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "touchpoint.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{/* The environment of every container: the ConfigMap and the Secret (existingSecret if named). */}}
{{- define "touchpoint.envFrom" -}}
- configMapRef:
    name: {{ include "touchpoint.fullname" . }}
- secretRef:
    name: {{ .Values.existingSecret | default (include "touchpoint.fullname" .) }}
{{- end }}

{{/* The migration Job's: the hook copies made before it (configmap.yaml, secret.yaml). */}}
{{- define "touchpoint.migrateEnvFrom" -}}
- configMapRef:
    name: {{ include "touchpoint.fullname" . }}-migrate
- secretRef:
    name: {{ .Values.existingSecret | default (printf "%s-migrate" (include "touchpoint.fullname" .)) }}
{{- end }}

{{/* /tmp is the only place a process writes (Prometheus' multiprocess files, beat's schedule): an emptyDir, the
root file system being read-only. */}}
{{- define "touchpoint.tmpVolume" -}}
- name: tmp
  emptyDir: {}
{{- end }}

{{- define "touchpoint.tmpMount" -}}
- name: tmp
  mountPath: /tmp
{{- end }}
