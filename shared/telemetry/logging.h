#pragma once

#include "trace.h"

#include <QByteArray>
#include <QDateTime>
#include <QLoggingCategory>
#include <QString>

#include <optional>

namespace pomelo {

// Logging categories of the project. Debug output is off by default (threshold info); enable it
// with QT_LOGGING_RULES="pomelo.http.debug=true" (or "pomelo.*.debug=true").
Q_DECLARE_LOGGING_CATEGORY(lcApp) // pomelo.app: startup, configuration, shutdown
Q_DECLARE_LOGGING_CATEGORY(lcConfig) // pomelo.config
Q_DECLARE_LOGGING_CATEGORY(lcHttp) // pomelo.http: request log, server
Q_DECLARE_LOGGING_CATEGORY(lcRedis) // pomelo.redis
Q_DECLARE_LOGGING_CATEGORY(lcStorage) // pomelo.storage
Q_DECLARE_LOGGING_CATEGORY(lcBooking) // pomelo.booking
Q_DECLARE_LOGGING_CATEGORY(lcTopup) // pomelo.topup
Q_DECLARE_LOGGING_CATEGORY(lcPay) // pomelo.pay
Q_DECLARE_LOGGING_CATEGORY(lcChannels) // pomelo.channels: WeChat Pay, e-card clients
Q_DECLARE_LOGGING_CATEGORY(lcSandbox) // pomelo.sandbox
Q_DECLARE_LOGGING_CATEGORY(lcWorkers) // pomelo.workers: relay, delayed queue, notifier, consumers
Q_DECLARE_LOGGING_CATEGORY(lcNotify) // pomelo.notify: merchant notifications
Q_DECLARE_LOGGING_CATEGORY(lcAdmin) // pomelo.admin
Q_DECLARE_LOGGING_CATEGORY(lcAudit) // pomelo.audit
Q_DECLARE_LOGGING_CATEGORY(lcTelemetry) // pomelo.telemetry
Q_DECLARE_LOGGING_CATEGORY(lcConsole) // pomelo.console

enum class LogFormat {
    Text, ///< `<time> <level> <category>: <message> [traceId=… spanId=…]`
    JsonLines, ///< `{"time":…,"level":…,"category":…,"message":…,"traceId":…,"spanId":…}`
};

/// "text" or "json" / "jsonlines" (case-insensitive); std::nullopt otherwise.
std::optional<LogFormat> parseLogFormat(const QString &name);

/// Installs the process message handler: one line per message, secrets redacted, the current
/// span's trace and span ids added when this thread has one. Writes to @p filePath (appended)
/// or, if empty or not writable, to stderr; returns false in the latter case when a path was
/// given. Thread-safe; may be called again to switch format or file.
bool installLogHandler(LogFormat format, const QString &filePath = {});
/// Restores the handler that was active before installLogHandler() and closes the file.
void uninstallLogHandler();

/// Level names used in both formats: debug, info, warning, error, fatal.
QLatin1String logLevelName(QtMsgType type);

/// @p text with every character that could end or fake a line, or drive a terminal, written as an
/// escape: `\n`, `\r`, `\t`, other C0 controls and DEL as `\xNN`, C1 controls and the Unicode line
/// and paragraph separators as `\uNNNN`. So a request path or header value in a message cannot
/// start a forged log line. Backslashes are kept as they are (messages quote JSON and regexes): a
/// literal `\n` in the input stays on its line like any other text.
QString escapeControlCharacters(const QString &text);

/// One formatted line (with the trailing '\n') as the handler writes it; @p message is redacted,
/// and in the text format escaped (escapeControlCharacters; JSON escapes by itself).
/// @p category null means "default". Time is RFC 3339 with milliseconds and offset.
QByteArray formatLogLine(LogFormat format, QtMsgType type, const char *category,
                         const QString &message, const QDateTime &time,
                         const SpanContext &context = {});

/// Defensive masking of secrets in free text. Masked (value becomes `***`): `key=value`
/// (query strings, form bodies, messages), JSON members `"key":"value"` / `"key":123` (also
/// escaped `\"key\":\"value\"`), `Authorization: …` header values, `Bearer …` tokens and the
/// password of `scheme://user:password@host` URLs. A key names a secret when it contains secret,
/// password, passwd, passphrase, token, credential, cookie, authorization, apikey, privatekey or
/// signature, or has a word sign, key, pwd or pass (`paySign`, `api_key`, `mchKey`; not `design`).
/// A guard against accidents, not a licence to log secrets.
QString redactSecrets(const QString &text);

} // namespace pomelo
