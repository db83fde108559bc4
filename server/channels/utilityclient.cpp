#include "channels/utilityclient.h"

#include "channels/ecardprotocol.h"
#include "channels/utilityprotocol.h"
#include "config/config.h"
#include "net/httpclient.h"
#include "telemetry/logging.h"

#include <QDeadlineTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QThread>

#include <algorithm>

namespace pomelo {

namespace {

using ecard::forLog;
using ecard::integerField;
using ecard::stringField;
using ecard::Verdict;
namespace field = utility::field;
namespace retcode = utility::retcode;

qint64 nowSeconds()
{
    return QDateTime::currentSecsSinceEpoch();
}

/// Answers' nonces seen in this process within the window: a replayed answer is refused. One for
/// the process, so that the client stays a value type; nonces are random, so clients never
/// collide in it.
utility::NonceWindow &answerNonces()
{
    static utility::NonceWindow window;
    return window;
}

QString textField(const QJsonObject &o, QLatin1String key)
{
    return stringField(o, key).value_or(QString());
}

[[noreturn]] void malformedAnswer(QLatin1String path, const char *what)
{
    throw Error(ErrorCode::UtilityUnavailable,
                QStringLiteral("utility %1: malformed answer (%2)").arg(path, QLatin1String(what)));
}

QDateTime timeField(QLatin1String path, const QJsonObject &o, QLatin1String key)
{
    const auto seconds = integerField(o, key);
    if (!seconds || *seconds <= 0)
        malformedAnswer(path, key.data());
    return QDateTime::fromSecsSinceEpoch(*seconds, Qt::UTC);
}

bool powerField(QLatin1String path, const QJsonObject &o)
{
    const auto power = integerField(o, field::powerOn);
    if (!power || (*power != 0 && *power != 1))
        malformedAnswer(path, "power_on");
    return *power == 1;
}

/// The JSON array a signed string field carries (lists travel inside a string).
QJsonArray arrayField(QLatin1String path, const QJsonObject &o, QLatin1String key)
{
    const auto text = stringField(o, key);
    if (!text)
        malformedAnswer(path, key.data());
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(text->toUtf8(), &error);
    if (error.error != QJsonParseError::NoError || !doc.isArray())
        malformedAnswer(path, key.data());
    return doc.array();
}

UtilityRecharge rechargeFromAnswer(QLatin1String path, const QJsonObject &a)
{
    UtilityRecharge r;
    r.serial = textField(a, field::serial);
    r.roomId = textField(a, field::roomId);
    const auto utility = utilityFromName(textField(a, field::utility));
    const auto amount = integerField(a, field::amount);
    const auto balanceAfter = integerField(a, field::balanceAfter);
    if (r.serial.isEmpty())
        malformedAnswer(path, "serial");
    if (r.roomId.isEmpty())
        malformedAnswer(path, "room_id");
    if (!utility)
        malformedAnswer(path, "utility");
    if (!amount || *amount <= 0)
        malformedAnswer(path, "amount");
    if (!balanceAfter)
        malformedAnswer(path, "balance_after");
    r.utility = *utility;
    r.amount = *amount;
    r.balanceAfter = *balanceAfter;
    r.powerOn = powerField(path, a);
    r.creditedAt = timeField(path, a, field::creditedAt);
    return r;
}

bool isRetryableTransport(const HttpClientResponse &r)
{
    // A timeout used the whole budget; anything else (refused, reset, 5xx) may pass on a retry.
    return (r.status == 0 && !r.timedOut) || r.status >= 500;
}

} // namespace

QString utilityName(Utility u)
{
    switch (u) {
    case Utility::Electricity:
        return utility::Electricity;
    case Utility::Water:
        return utility::Water;
    }
    return {};
}

std::optional<Utility> utilityFromName(const QString &name)
{
    for (Utility u : {Utility::Electricity, Utility::Water}) {
        if (utilityName(u) == name)
            return u;
    }
    return std::nullopt;
}

UtilityClientOptions UtilityClientOptions::fromConfig(const Config &config)
{
    UtilityClientOptions o;
    const QString base = config.utilityBaseUrl();
    o.baseUrl =
        QUrl(base.isEmpty() ? config.publicBaseUrl() + QStringLiteral("/sandbox/utility") : base);
    o.partnerId = config.utilityPartnerId();
    o.partnerKey = config.utilityPartnerKey().toUtf8();
    return o;
}

UtilityRefusal::UtilityRefusal(QString retcode, QString retmsg, const QString &detail)
    : Error(retcode == retcode::roomNotFound ? ErrorCode::TopupRoomNotFound
                                             : ErrorCode::UtilityUnavailable,
            detail)
    , m_retcode(std::move(retcode))
    , m_retmsg(std::move(retmsg))
{ }

bool UtilityRefusal::isPermanent() const noexcept
{
    return m_retcode == retcode::roomNotFound || m_retcode == retcode::roomClosed
        || m_retcode == retcode::accountFrozen || m_retcode == retcode::amountInvalid;
}

UtilityClient::UtilityClient(UtilityClientOptions options)
    : m_options(std::move(options))
{ }

QUrl UtilityClient::endpoint(QLatin1String path) const
{
    QUrl url = m_options.baseUrl;
    QString base = url.path();
    while (base.endsWith(u'/'))
        base.chop(1);
    url.setPath(base + path);
    return url;
}

QJsonObject UtilityClient::call(QLatin1String path, const QJsonObject &fields,
                                const QString &roomId, const QString &serial) const
{
    const QUrl url = endpoint(path);
    const QDeadlineTimer deadline(std::max(1, m_options.timeoutMs));
    const int attempts = std::max(1, m_options.maxAttempts);
    QString lastError;
    // The last attempt's signed refusal to retry (9999, 1002): the system answered, so the
    // request did nothing there; a caller deciding about money needs to know that.
    std::optional<std::pair<QString, QString>> lastBusy;
    for (int attempt = 1; attempt <= attempts; ++attempt) {
        lastBusy.reset();
        const qint64 remaining = deadline.remainingTime();
        if (remaining <= 0)
            break;
        // A fresh timestamp and nonce per attempt: the utility system refuses a reused nonce.
        const QJsonObject request = ecard::withSignature(
            ecard::stamped(fields, m_options.partnerId, nowSeconds()), m_options.partnerKey);
        qCInfo(lcChannels).noquote()
            << "utility request" << path << "attempt" << attempt << forLog(request);

        HttpClientRequest req;
        req.method = QByteArrayLiteral("POST");
        req.url = url;
        req.body = QJsonDocument(request).toJson(QJsonDocument::Compact);
        req.headers.append({QByteArrayLiteral("Content-Type"),
                            QByteArrayLiteral("application/json; charset=utf-8")});
        req.timeoutMs = int(remaining);
        req.spanName = QStringLiteral("utility POST ") + path;
        const HttpClientResponse r = HttpClient::send(req);

        if (r.status == 200) {
            QJsonParseError parseError;
            const QJsonDocument doc = QJsonDocument::fromJson(r.body, &parseError);
            if (parseError.error != QJsonParseError::NoError || !doc.isObject())
                malformedAnswer(path, "not a JSON object");
            const QJsonObject answer = doc.object();
            const qint64 now = nowSeconds();
            Verdict verdict = ecard::verify(answer, m_options.partnerId, m_options.partnerKey, now);
            QLatin1String why = ecard::verdictName(verdict);
            if (verdict == Verdict::Ok
                && !answerNonces().claim(textField(answer, field::nonceStr), now)) {
                verdict = Verdict::Expired;
                why = QLatin1String("nonce reused");
            }
            if (verdict != Verdict::Ok) {
                qCWarning(lcChannels).noquote()
                    << "utility answer rejected" << path << ":" << why << forLog(answer);
                throw Error(ErrorCode::UtilityUnavailable,
                            QStringLiteral("utility %1: answer rejected (%2)").arg(path, why));
            }
            qCInfo(lcChannels).noquote() << "utility answer" << path << forLog(answer);
            const QString code = textField(answer, field::retcode);
            const QString message = textField(answer, field::retmsg);
            if (code == retcode::systemBusy || code == retcode::timestampExpired) {
                // Busy: try again; 1002: our clock or a nonce clash, a fresh envelope may pass.
                lastError = QStringLiteral("retcode %1 %2").arg(code, message);
                lastBusy = std::make_pair(code, message);
            } else if (code != retcode::success) {
                throw UtilityRefusal(
                    code, message,
                    QStringLiteral("utility %1: retcode %2 %3").arg(path, code, message));
            } else {
                // An answer about another room or recharge is not ours, signed or not.
                if (!roomId.isEmpty() && answer.contains(field::roomId)
                    && textField(answer, field::roomId) != roomId)
                    malformedAnswer(path, "answer is about another room");
                if (!serial.isEmpty() && answer.contains(field::serial)
                    && textField(answer, field::serial) != serial)
                    malformedAnswer(path, "answer is about another recharge");
                return answer;
            }
        } else {
            lastError = r.status ? QStringLiteral("HTTP %1").arg(r.status) : r.error;
            qCWarning(lcChannels).noquote()
                << "utility request failed" << path << "attempt" << attempt << ":" << lastError;
            if (r.status != 0 && r.status < 500)
                break; // the system refused the request itself: repeating it cannot help
            if (!isRetryableTransport(r))
                break;
        }
        if (attempt < attempts) {
            // Short back-off, bounded by what is left of the budget.
            const qint64 pause = std::min<qint64>(100 * attempt, deadline.remainingTime());
            if (pause > 0)
                QThread::msleep(static_cast<unsigned long>(pause));
        }
    }
    if (lastBusy)
        throw UtilityRefusal(lastBusy->first, lastBusy->second,
                             QStringLiteral("utility %1: %2").arg(path, lastError));
    throw Error(ErrorCode::UtilityUnavailable,
                QStringLiteral("utility %1: no answer (%2)").arg(path, lastError));
}

QList<UtilityRoom> UtilityClient::rooms(const QString &building) const
{
    QJsonObject fields;
    if (!building.isEmpty())
        fields.insert(field::building, building);
    const QJsonArray items = arrayField(utility::path::roomsQuery,
                                        call(utility::path::roomsQuery, fields), field::rooms);
    QList<UtilityRoom> out;
    out.reserve(items.size());
    for (const QJsonValue &v : items) {
        const QJsonObject o = v.toObject();
        UtilityRoom room {o.value(field::roomId).toString(), o.value(field::building).toString(),
                          o.value(field::room).toString()};
        if (!utility::isValidRoomId(room.roomId) || room.building.isEmpty())
            malformedAnswer(utility::path::roomsQuery, "rooms");
        out.append(std::move(room));
    }
    return out;
}

QStringList UtilityClient::buildings() const
{
    QStringList out;
    const QList<UtilityRoom> all = rooms();
    for (const UtilityRoom &r : all) {
        if (!out.contains(r.building))
            out.append(r.building);
    }
    return out;
}

std::optional<UtilityBalance> UtilityClient::balance(const QString &roomId) const
{
    const QLatin1String path = utility::path::balanceQuery;
    QJsonObject a;
    try {
        a = call(path, {{field::roomId, roomId}}, roomId);
    } catch (const UtilityRefusal &e) {
        if (e.retcode() == retcode::roomNotFound)
            return std::nullopt;
        throw;
    }
    const auto electricity = integerField(a, field::electricityBalance);
    const auto water = integerField(a, field::waterBalance);
    if (!electricity)
        malformedAnswer(path, "electricity_balance");
    if (!water)
        malformedAnswer(path, "water_balance");
    UtilityBalance b;
    b.roomId = roomId;
    b.electricity = *electricity;
    b.water = *water;
    b.powerOn = powerField(path, a);
    b.updatedAt = timeField(path, a, field::updatedAt);
    return b;
}

QList<UtilityUsageDay> UtilityClient::usage(const QString &roomId, const QDateTime &from,
                                            const QDateTime &to) const
{
    const QLatin1String path = utility::path::usageQuery;
    const QJsonObject fields {{field::roomId, roomId},
                              {field::from, from.toSecsSinceEpoch()},
                              {field::to, to.toSecsSinceEpoch()}};
    const QJsonArray items = arrayField(path, call(path, fields, roomId), field::usage);
    QList<UtilityUsageDay> out;
    out.reserve(items.size());
    for (const QJsonValue &v : items) {
        const QJsonObject o = v.toObject();
        const QDate day = QDate::fromString(o.value(field::day).toString(), Qt::ISODate);
        const auto utility = utilityFromName(o.value(field::utility).toString());
        const auto amount = integerField(o, field::amount);
        if (!day.isValid() || !utility || !amount || *amount < 0)
            malformedAnswer(path, "usage");
        out.append({day, *utility, *amount});
    }
    return out;
}

UtilityRecharge UtilityClient::recharge(const UtilityRechargeRequest &request) const
{
    const QLatin1String path = utility::path::recharge;
    const QJsonObject fields {
        {field::roomId, request.roomId},
        {field::utility, utilityName(request.utility)},
        {field::amount, request.amount},
        {field::serial, request.serial},
    };
    const UtilityRecharge r =
        rechargeFromAnswer(path, call(path, fields, request.roomId, request.serial));
    if (r.utility != request.utility || r.amount != request.amount)
        malformedAnswer(path, "answer is about another recharge");
    return r;
}

std::optional<UtilityRecharge> UtilityClient::queryRecharge(const QString &serial) const
{
    const QLatin1String path = utility::path::rechargeQuery;
    const QJsonObject a = call(path, {{field::serial, serial}}, {}, serial);
    const QString status = textField(a, field::rechargeStatus);
    if (status == utility::NotFound)
        return std::nullopt;
    if (status != utility::Credited)
        malformedAnswer(path, "recharge_status");
    const UtilityRecharge r = rechargeFromAnswer(path, a);
    if (r.serial != serial)
        malformedAnswer(path, "answer is about another recharge");
    return r;
}

} // namespace pomelo
