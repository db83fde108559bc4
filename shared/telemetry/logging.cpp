#include "logging.h"

#include <QFile>
#include <QGlobalStatic>
#include <QMutex>
#include <QMutexLocker>
#include <QRegularExpression>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <functional>
#include <memory>

namespace pomelo {

Q_LOGGING_CATEGORY(lcApp, "pomelo.app", QtInfoMsg)
Q_LOGGING_CATEGORY(lcConfig, "pomelo.config", QtInfoMsg)
Q_LOGGING_CATEGORY(lcHttp, "pomelo.http", QtInfoMsg)
Q_LOGGING_CATEGORY(lcRedis, "pomelo.redis", QtInfoMsg)
Q_LOGGING_CATEGORY(lcStorage, "pomelo.storage", QtInfoMsg)
Q_LOGGING_CATEGORY(lcBooking, "pomelo.booking", QtInfoMsg)
Q_LOGGING_CATEGORY(lcTopup, "pomelo.topup", QtInfoMsg)
Q_LOGGING_CATEGORY(lcPay, "pomelo.pay", QtInfoMsg)
Q_LOGGING_CATEGORY(lcChannels, "pomelo.channels", QtInfoMsg)
Q_LOGGING_CATEGORY(lcSandbox, "pomelo.sandbox", QtInfoMsg)
Q_LOGGING_CATEGORY(lcWorkers, "pomelo.workers", QtInfoMsg)
Q_LOGGING_CATEGORY(lcNotify, "pomelo.notify", QtInfoMsg)
Q_LOGGING_CATEGORY(lcAdmin, "pomelo.admin", QtInfoMsg)
Q_LOGGING_CATEGORY(lcAudit, "pomelo.audit", QtInfoMsg)
Q_LOGGING_CATEGORY(lcTelemetry, "pomelo.telemetry", QtInfoMsg)
Q_LOGGING_CATEGORY(lcConsole, "pomelo.console", QtInfoMsg)

// --- Redaction ------------------------------------------------------------------------------

namespace {

bool isSecretKey(QStringView key)
{
    static constexpr QLatin1String anywhere[] = {
        QLatin1String("secret"),     QLatin1String("password"),      QLatin1String("passwd"),
        QLatin1String("passphrase"), QLatin1String("token"),         QLatin1String("credential"),
        QLatin1String("cookie"),     QLatin1String("authorization"), QLatin1String("apikey"),
        QLatin1String("privatekey"), QLatin1String("signature"),
    };
    for (const QLatin1String needle : anywhere) {
        if (key.contains(needle, Qt::CaseInsensitive))
            return true;
    }
    // Short names only as whole words (snake, kebab, dotted or camelCase): `paySign`, `api_key`,
    // `mchKey` — not `design` or `monkey`.
    static constexpr QLatin1String words[] = {
        QLatin1String("sign"),
        QLatin1String("key"),
        QLatin1String("pwd"),
        QLatin1String("pass"),
    };
    qsizetype begin = 0;
    auto isWord = [&](qsizetype end) {
        const QStringView word = key.sliced(begin, end - begin);
        for (const QLatin1String w : words) {
            if (word.compare(w, Qt::CaseInsensitive) == 0)
                return true;
        }
        return false;
    };
    for (qsizetype i = 0; i < key.size(); ++i) {
        const QChar c = key.at(i);
        if (c == u'_' || c == u'-' || c == u'.') {
            if (isWord(i))
                return true;
            begin = i + 1;
        } else if (c.isUpper() && i > 0 && (key.at(i - 1).isLower() || key.at(i - 1).isDigit())) {
            if (isWord(i))
                return true;
            begin = i;
        }
    }
    return isWord(key.size());
}

/// Rebuilds @p text with each match of @p re replaced by what @p replace returns (std::nullopt
/// keeps the match).
QString
replaceEach(const QString &text, const QRegularExpression &re,
            const std::function<std::optional<QString>(const QRegularExpressionMatch &)> &replace)
{
    QString out;
    qsizetype last = 0;
    auto it = re.globalMatch(text);
    while (it.hasNext()) {
        const QRegularExpressionMatch match = it.next();
        const std::optional<QString> replacement = replace(match);
        if (!replacement)
            continue;
        out += QStringView(text).sliced(last, match.capturedStart() - last);
        out += *replacement;
        last = match.capturedEnd();
    }
    if (last == 0)
        return text;
    out += QStringView(text).sliced(last);
    return out;
}

struct RedactionPatterns
{
    // scheme://user:password@host
    QRegularExpression urlUserInfo {
        QStringLiteral(R"(\b([A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@]*:)([^\s@/]+)@)")};
    // "key": "value" | "key": 123
    QRegularExpression jsonMember {
        QStringLiteral(R"RX("([A-Za-z0-9_.\-]+)"(\s*:\s*)("(?:[^"\\]|\\.)*"|[^\s,}\]"]+))RX")};
    // \"key\": \"value\" (JSON embedded in a JSON string or a C string)
    QRegularExpression escapedJsonMember {QStringLiteral(
        R"RX(\\"([A-Za-z0-9_.\-]+)\\"(\s*:\s*)(\\"(?:(?!\\").)*\\"|[^\s,}\]\\]+))RX")};
    // Authorization: <scheme> <credentials…> (HTTP header form)
    QRegularExpression authorizationHeader {
        QStringLiteral(R"RX(\b(authorization[ \t]*:[ \t]*)([^\r\n]+))RX"),
        QRegularExpression::CaseInsensitiveOption};
    QRegularExpression bearer {QStringLiteral(R"(\b(Bearer)\s+[A-Za-z0-9._~+/\-]+=*)"),
                               QRegularExpression::CaseInsensitiveOption};
    // key=value (query strings, form bodies, "k=v k2=v2" messages)
    QRegularExpression keyValue {QStringLiteral(
        R"RX((?<![A-Za-z0-9_.\-])([A-Za-z_][A-Za-z0-9_.\-]*)([ \t]*=[ \t]*)("[^"]*"|'[^']*'|[^\s&,;)\]}"']+))RX")};
};

const RedactionPatterns &patterns()
{
    // Per thread: matching compiles lazily, which is not worth reasoning about across threads.
    thread_local const RedactionPatterns p;
    return p;
}

bool mayContainSecret(const QString &text)
{
    static constexpr QLatin1String hints[] = {
        QLatin1String("secret"), QLatin1String("pass"),       QLatin1String("pwd"),
        QLatin1String("token"),  QLatin1String("credential"), QLatin1String("cookie"),
        QLatin1String("auth"),   QLatin1String("key"),        QLatin1String("sign"),
        QLatin1String("bearer"), QLatin1String("://"),
    };
    for (const QLatin1String hint : hints) {
        if (text.contains(hint, Qt::CaseInsensitive))
            return true;
    }
    return false;
}

QString maskedLike(QStringView value)
{
    if (value.startsWith(QLatin1String("\\\"")))
        return QStringLiteral("\\\"***\\\"");
    if (value.startsWith(u'"'))
        return QStringLiteral("\"***\"");
    if (value.startsWith(u'\''))
        return QStringLiteral("'***'");
    return QStringLiteral("***");
}

} // namespace

QString redactSecrets(const QString &text)
{
    if (!mayContainSecret(text))
        return text;
    const RedactionPatterns &p = patterns();
    QString out = replaceEach(text, p.urlUserInfo, [](const QRegularExpressionMatch &m) {
        return std::optional<QString>(m.captured(1) + QLatin1String("***@"));
    });
    auto member = [](const QRegularExpressionMatch &m) -> std::optional<QString> {
        if (!isSecretKey(m.capturedView(1)))
            return std::nullopt;
        const QString whole = m.captured(0);
        const qsizetype valueOffset = m.capturedStart(3) - m.capturedStart(0);
        return whole.left(valueOffset) + maskedLike(m.capturedView(3));
    };
    out = replaceEach(out, p.jsonMember, member);
    out = replaceEach(out, p.escapedJsonMember, member);
    out = replaceEach(out, p.authorizationHeader, [](const QRegularExpressionMatch &m) {
        return std::optional<QString>(m.captured(1) + QLatin1String("***"));
    });
    out = replaceEach(out, p.bearer, [](const QRegularExpressionMatch &m) {
        return std::optional<QString>(m.captured(1) + QLatin1String(" ***"));
    });
    out = replaceEach(out, p.keyValue, member);
    return out;
}

// --- Formatting -----------------------------------------------------------------------------

namespace {

bool needsEscape(char16_t c)
{
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029;
}

} // namespace

QString escapeControlCharacters(const QString &text)
{
    if (std::none_of(text.cbegin(), text.cend(), [](QChar c) { return needsEscape(c.unicode()); }))
        return text;
    static constexpr char hex[] = "0123456789abcdef";
    QString out;
    out.reserve(text.size() + 16);
    for (const QChar qc : text) {
        const char16_t c = qc.unicode();
        if (!needsEscape(c)) {
            out += qc;
        } else if (c == u'\n') {
            out += QLatin1String("\\n");
        } else if (c == u'\r') {
            out += QLatin1String("\\r");
        } else if (c == u'\t') {
            out += QLatin1String("\\t");
        } else if (c <= 0x7f) {
            out += QLatin1String("\\x");
            out += QLatin1Char(hex[c >> 4]);
            out += QLatin1Char(hex[c & 0xf]);
        } else {
            out += QLatin1String("\\u");
            for (int shift = 12; shift >= 0; shift -= 4)
                out += QLatin1Char(hex[(c >> shift) & 0xf]);
        }
    }
    return out;
}

QLatin1String logLevelName(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg:
        return QLatin1String("debug");
    case QtInfoMsg:
        return QLatin1String("info");
    case QtWarningMsg:
        return QLatin1String("warning");
    case QtCriticalMsg:
        return QLatin1String("error");
    case QtFatalMsg:
        return QLatin1String("fatal");
    }
    return QLatin1String("info");
}

std::optional<LogFormat> parseLogFormat(const QString &name)
{
    const QString n = name.trimmed().toLower();
    if (n == QLatin1String("text"))
        return LogFormat::Text;
    if (n == QLatin1String("json") || n == QLatin1String("jsonlines")
        || n == QLatin1String("json-lines"))
        return LogFormat::JsonLines;
    return std::nullopt;
}

namespace {

QByteArray rfc3339(const QDateTime &time)
{
    // Always with an explicit offset (a local QDateTime would print none).
    const QDateTime withOffset = time.toOffsetFromUtc(time.offsetFromUtc());
    return withOffset.toString(Qt::ISODateWithMs).toUtf8();
}

void appendJsonString(QByteArray &out, const QString &value)
{
    out += '"';
    const QByteArray utf8 = value.toUtf8();
    for (const char ch : utf8) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (c < 0x20) {
                static constexpr char hex[] = "0123456789abcdef";
                out += "\\u00";
                out += hex[c >> 4];
                out += hex[c & 0x0f];
            } else {
                out += ch;
            }
        }
    }
    out += '"';
}

} // namespace

QByteArray formatLogLine(LogFormat format, QtMsgType type, const char *category,
                         const QString &message, const QDateTime &time, const SpanContext &context)
{
    const QByteArray categoryName = category ? QByteArray(category) : QByteArrayLiteral("default");
    const QString text = redactSecrets(message);
    QByteArray line;
    line.reserve(text.size() + 160);
    if (format == LogFormat::JsonLines) {
        line += "{\"time\":\"" + rfc3339(time) + "\",\"level\":\"";
        line += logLevelName(type).latin1();
        line += "\",\"category\":";
        appendJsonString(line, QString::fromUtf8(categoryName));
        line += ",\"message\":";
        appendJsonString(line, text);
        if (context.isValid()) {
            line += ",\"traceId\":\"" + context.traceId.toHex() + "\",\"spanId\":\""
                + context.spanId.toHex() + '"';
        }
        line += "}\n";
    } else {
        QByteArray level = QByteArray(logLevelName(type).latin1());
        level = level.leftJustified(7, ' ');
        // Escaped after redaction: the redaction patterns stop at line ends, so they must see them.
        line += rfc3339(time) + ' ' + level + ' ' + categoryName + ": "
            + escapeControlCharacters(text).toUtf8();
        if (context.isValid()) {
            line += " traceId=" + context.traceId.toHex() + " spanId=" + context.spanId.toHex();
        }
        line += '\n';
    }
    return line;
}

// --- Handler --------------------------------------------------------------------------------

namespace {

struct LogState
{
    QMutex mutex;
    std::unique_ptr<QFile> file; // null: stderr
    std::atomic<int> format {int(LogFormat::Text)};
    QtMessageHandler previous = nullptr;
    bool installed = false;
};

Q_GLOBAL_STATIC(LogState, s_logState)

void writeStderr(const QByteArray &line)
{
    std::fwrite(line.constData(), 1, std::size_t(line.size()), stderr);
    std::fflush(stderr);
}

void pomeloMessageHandler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    LogState *state = s_logState.isDestroyed() ? nullptr : s_logState();
    const auto format =
        state ? LogFormat(state->format.load(std::memory_order_relaxed)) : LogFormat::Text;
    const QByteArray line = formatLogLine(format, type, context.category, message,
                                          QDateTime::currentDateTime(), currentSpanContext());
    if (!state) {
        writeStderr(line);
        return;
    }
    const QMutexLocker lock(&state->mutex);
    if (state->file && state->file->isOpen()) {
        state->file->write(line);
        state->file->flush();
    } else {
        writeStderr(line);
    }
}

} // namespace

bool installLogHandler(LogFormat format, const QString &filePath)
{
    LogState *state = s_logState();
    if (!state)
        return false; // after static destruction; also tells GCC the pointer is not null below
    std::unique_ptr<QFile> file;
    bool ok = true;
    if (!filePath.isEmpty()) {
        file = std::make_unique<QFile>(filePath);
        if (!file->open(QIODevice::WriteOnly | QIODevice::Append)) {
            const QString error = file->errorString();
            file.reset();
            ok = false;
            writeStderr(QByteArrayLiteral("cannot open log file ") + filePath.toUtf8()
                        + QByteArrayLiteral(": ") + error.toUtf8()
                        + QByteArrayLiteral("; logging to stderr\n"));
        }
    }
    std::unique_ptr<QFile> oldFile;
    {
        const QMutexLocker lock(&state->mutex);
        oldFile = std::exchange(state->file, std::move(file));
        state->format.store(int(format), std::memory_order_relaxed);
        if (!state->installed) {
            state->previous = qInstallMessageHandler(pomeloMessageHandler);
            state->installed = true;
        }
    }
    return ok;
}

void uninstallLogHandler()
{
    if (s_logState.isDestroyed())
        return;
    LogState *state = s_logState();
    std::unique_ptr<QFile> oldFile;
    {
        const QMutexLocker lock(&state->mutex);
        if (state->installed) {
            qInstallMessageHandler(state->previous);
            state->previous = nullptr;
            state->installed = false;
        }
        oldFile = std::move(state->file);
    }
}

} // namespace pomelo
