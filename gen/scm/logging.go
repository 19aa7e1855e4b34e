package scm

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"strings"
)

// LogAttempt writes one record for the attempt a of operation (such as
// "cancel-cert") to logger, at Info for a 2xx answer and Warn otherwise,
// with the attributes operation, attempt, status, error_code, request_id,
// duration, retry (and delay when true), reason, and error for a transport
// failure. A nil logger writes nothing.
//
// It is safe to log: it never writes the URL, the path or any header, so
// neither the project ID nor the certificate ID in the path, nor the
// X-Project-Id, nor a key, token or signature. The texts that come from
// elsewhere (the error code and request ID the server chose, the transport
// error) are escaped and cut as APIError.Error does; a transport error is
// logged without the URL that net/http puts in it, and every string in
// redact (pass the project and certificate IDs) is replaced by REDACTED in
// them, in case a server or proxy echoes one.
func LogAttempt(ctx context.Context, logger *slog.Logger, operation string, a Attempt, redact ...string) {
	if logger == nil {
		return
	}
	level := slog.LevelWarn
	if a.Err == nil && a.StatusCode >= 200 && a.StatusCode < 300 {
		level = slog.LevelInfo
	}
	if !logger.Enabled(ctx, level) {
		return
	}
	clean := func(s string, limit int) string { return printable(redactAll(s, redact), limit) }
	attrs := make([]slog.Attr, 0, 10)
	attrs = append(attrs,
		slog.String("operation", operation),
		slog.Int("attempt", a.Number),
		slog.Int("status", a.StatusCode),
		slog.String("error_code", clean(a.Code, maxQuotedField)),
		slog.String("request_id", clean(a.RequestID, maxQuotedField)),
		slog.Duration("duration", a.Duration),
		slog.Bool("retry", a.Retry),
	)
	if a.Retry {
		attrs = append(attrs, slog.Duration("delay", a.Delay))
	}
	attrs = append(attrs, slog.String("reason", a.Reason))
	if a.Err != nil {
		attrs = append(attrs, slog.String("error", clean(transportErrorText(a.Err), maxQuotedMessage)))
	}
	logger.LogAttrs(ctx, level, "scm: attempt", attrs...)
}

// transportErrorText is err's text without the method and URL that
// *url.Error adds.
func transportErrorText(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err.Error()
	}
	return err.Error()
}

// redactAll replaces each non-empty string of redact in s, raw and as it
// appears escaped in a URL path, by REDACTED.
func redactAll(s string, redact []string) string {
	for _, r := range redact {
		if r == "" {
			continue
		}
		s = strings.ReplaceAll(s, r, Redacted)
		if esc := url.PathEscape(r); esc != r {
			s = strings.ReplaceAll(s, esc, Redacted)
		}
	}
	return s
}
