#include "channels/ecardclient.h"

#include "config/config.h"
#include "net/httpclient.h"
#include "telemetry/logging.h"

#include <QDeadlineTimer>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QThread>

#include <algorithm>

namespace pomelo {

namespace {

using namespace ecard;

qint64 nowSeconds()
{
    return QDateTime::currentSecsSinceEpoch();
}

QDateTime timeField(const QJsonObject &o, QLatin1String key)
{
    const auto seconds = integerField(o, key);
    return seconds && *seconds > 0 ? QDateTime::fromSecsSinceEpoch(*seconds, Qt::UTC) : QDateTime();
}

QString textField(const QJsonObject &o, QLatin1String key)
{
    return stringField(o, key).value_or(QString());
}

[[noreturn]] void malformedAnswer(QLatin1String path, const char *what)
{
    throw Error(ErrorCode::ChannelError,
                QStringLiteral("ecard %1: malformed answer (%2)").arg(path, QLatin1String(what)));
}

EcardTrade tradeFromAnswer(QLatin1String path, const QJsonObject &a)
{
    EcardTrade t;
    const auto outTradeNo = stringField(a, field::outTradeNo);
    const auto state = tradeStateFromName(textField(a, field::tradeState));
    const auto amount = integerField(a, field::amount);
    if (!outTradeNo || outTradeNo->isEmpty())
        malformedAnswer(path, "out_trade_no");
    if (!state)
        malformedAnswer(path, "trade_state");
    if (!amount)
        malformedAnswer(path, "amount");
    t.outTradeNo = *outTradeNo;
    t.tradeState = *state;
    t.amount = *amount;
    t.prepayId = textField(a, field::prepayId);
    t.cashierUrl = textField(a, field::cashierUrl);
    t.studentNo = textField(a, field::studentNo);
    t.refundedAmount = integerField(a, field::refundedAmount).value_or(0);
    t.tradeNo = textField(a, field::tradeNo);
    t.expireTime = timeField(a, field::expireTime);
    t.paidTime = timeField(a, field::paidTime);
    t.closeTime = timeField(a, field::closeTime);
    t.errCode = textField(a, field::errCode);
    t.errMsg = textField(a, field::errMsg);
    t.attach = textField(a, field::attach);
    return t;
}

EcardRefund refundFromAnswer(QLatin1String path, const QJsonObject &a)
{
    EcardRefund r;
    const auto outRefundNo = stringField(a, field::outRefundNo);
    const auto state = refundStateFromName(textField(a, field::refundState));
    const auto amount = integerField(a, field::refundAmount);
    if (!outRefundNo || outRefundNo->isEmpty())
        malformedAnswer(path, "out_refund_no");
    if (!state)
        malformedAnswer(path, "refund_state");
    if (!amount)
        malformedAnswer(path, "refund_amount");
    r.outRefundNo = *outRefundNo;
    r.refundState = *state;
    r.refundAmount = *amount;
    r.outTradeNo = textField(a, field::outTradeNo);
    r.refundId = textField(a, field::refundId);
    r.refundTime = timeField(a, field::refundTime);
    r.refundedAmount = integerField(a, field::refundedAmount).value_or(0);
    return r;
}

bool isRetryableTransport(const HttpClientResponse &r)
{
    // A timeout used the whole budget; anything else (refused, reset, 5xx) may pass on a retry.
    return (r.status == 0 && !r.timedOut) || r.status >= 500;
}

} // namespace

EcardClientOptions EcardClientOptions::fromConfig(const Config &config)
{
    EcardClientOptions o;
    const QString base = config.ecardBaseUrl();
    o.baseUrl =
        QUrl(base.isEmpty() ? config.publicBaseUrl() + QStringLiteral("/sandbox/ecard") : base);
    o.partnerId = config.ecardPartnerId();
    o.partnerKey = config.ecardPartnerKey().toUtf8();
    return o;
}

EcardError::EcardError(QString retcode, QString retmsg, const QString &detail)
    : Error(ErrorCode::ChannelError, detail)
    , m_retcode(std::move(retcode))
    , m_retmsg(std::move(retmsg))
{ }

EcardClient::EcardClient(EcardClientOptions options)
    : m_options(std::move(options))
{ }

QUrl EcardClient::endpoint(QLatin1String path) const
{
    QUrl url = m_options.baseUrl;
    QString base = url.path();
    while (base.endsWith(u'/'))
        base.chop(1);
    url.setPath(base + path);
    return url;
}

QJsonObject EcardClient::call(QLatin1String path, const QJsonObject &fields,
                              QLatin1String correlationKey, const QString &correlationValue) const
{
    const QUrl url = endpoint(path);
    const QDeadlineTimer deadline(std::max(1, m_options.timeoutMs));
    const int attempts = std::max(1, m_options.maxAttempts);
    QString lastError;
    for (int attempt = 1; attempt <= attempts; ++attempt) {
        const qint64 remaining = deadline.remainingTime();
        if (remaining <= 0)
            break;
        // A fresh timestamp and nonce per attempt: the card center refuses a reused nonce (1003).
        const QJsonObject request =
            withSignature(stamped(fields, m_options.partnerId, nowSeconds()), m_options.partnerKey);
        qCInfo(lcChannels).noquote()
            << "ecard request" << path << "attempt" << attempt << forLog(request);

        HttpClientRequest req;
        req.method = QByteArrayLiteral("POST");
        req.url = url;
        req.body = QJsonDocument(request).toJson(QJsonDocument::Compact);
        req.headers.append({QByteArrayLiteral("Content-Type"),
                            QByteArrayLiteral("application/json; charset=utf-8")});
        req.timeoutMs = int(remaining);
        req.spanName = QStringLiteral("ecard POST ") + path;
        const HttpClientResponse r = HttpClient::send(req);

        if (r.status == 200) {
            QJsonParseError parseError;
            const QJsonDocument doc = QJsonDocument::fromJson(r.body, &parseError);
            if (parseError.error != QJsonParseError::NoError || !doc.isObject())
                malformedAnswer(path, "not a JSON object");
            const QJsonObject answer = doc.object();
            const Verdict verdict =
                verify(answer, m_options.partnerId, m_options.partnerKey, nowSeconds());
            if (verdict != Verdict::Ok) {
                qCWarning(lcChannels).noquote() << "ecard answer rejected" << path << ":"
                                                << verdictName(verdict) << forLog(answer);
                throw Error(ErrorCode::ChannelError,
                            QStringLiteral("ecard %1: answer rejected (%2)")
                                .arg(path, verdictName(verdict)));
            }
            qCInfo(lcChannels).noquote() << "ecard answer" << path << forLog(answer);
            const QString code = textField(answer, field::retcode);
            const QString message = textField(answer, field::retmsg);
            if (code == retcode::systemError) {
                lastError = QStringLiteral("retcode 9999 ") + message;
            } else if (code != retcode::success) {
                throw EcardError(
                    code, message,
                    QStringLiteral("ecard %1: retcode %2 %3").arg(path, code, message));
            } else {
                if (textField(answer, correlationKey) != correlationValue)
                    malformedAnswer(path, "answer is about another order");
                return answer;
            }
        } else {
            lastError = r.status ? QStringLiteral("HTTP %1").arg(r.status) : r.error;
            qCWarning(lcChannels).noquote()
                << "ecard request failed" << path << "attempt" << attempt << ":" << lastError;
            if (r.status != 0 && r.status < 500)
                break; // the card center refused the request itself: repeating it cannot help
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
    throw Error(ErrorCode::ChannelError,
                QStringLiteral("ecard %1: no answer (%2)").arg(path, lastError));
}

EcardTrade EcardClient::createPayment(const EcardPayRequest &request) const
{
    QJsonObject fields {
        {field::outTradeNo, request.outTradeNo},
        {field::studentNo, request.studentNo},
        {field::amount, request.amount},
        {field::subject, request.subject},
        {field::notifyUrl, request.notifyUrl.toString(QUrl::FullyEncoded)},
    };
    if (request.expireTime.isValid())
        fields.insert(field::expireTime, request.expireTime.toSecsSinceEpoch());
    if (!request.attach.isEmpty())
        fields.insert(field::attach, request.attach);
    return tradeFromAnswer(path::payCreate,
                           call(path::payCreate, fields, field::outTradeNo, request.outTradeNo));
}

std::optional<EcardTrade> EcardClient::query(const QString &outTradeNo) const
{
    try {
        return tradeFromAnswer(
            path::payQuery,
            call(path::payQuery, {{field::outTradeNo, outTradeNo}}, field::outTradeNo, outTradeNo));
    } catch (const EcardError &e) {
        if (e.retcode() == retcode::orderNotFound)
            return std::nullopt;
        throw;
    }
}

EcardTrade EcardClient::close(const QString &outTradeNo) const
{
    return tradeFromAnswer(
        path::payClose,
        call(path::payClose, {{field::outTradeNo, outTradeNo}}, field::outTradeNo, outTradeNo));
}

EcardRefund EcardClient::refund(const EcardRefundRequest &request) const
{
    QJsonObject fields {
        {field::outTradeNo, request.outTradeNo},
        {field::outRefundNo, request.outRefundNo},
        {field::refundAmount, request.refundAmount},
    };
    if (!request.reason.isEmpty())
        fields.insert(field::refundReason, request.reason);
    return refundFromAnswer(
        path::refundCreate,
        call(path::refundCreate, fields, field::outRefundNo, request.outRefundNo));
}

std::optional<EcardRefund> EcardClient::queryRefund(const QString &outRefundNo) const
{
    try {
        return refundFromAnswer(path::refundQuery,
                                call(path::refundQuery, {{field::outRefundNo, outRefundNo}},
                                     field::outRefundNo, outRefundNo));
    } catch (const EcardError &e) {
        if (e.retcode() == retcode::refundNotFound)
            return std::nullopt;
        throw;
    }
}

std::optional<EcardNotification> EcardClient::verifyNotification(const QByteArray &body) const
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error != QJsonParseError::NoError || !doc.isObject()) {
        qCWarning(lcChannels) << "ecard notification rejected: not a JSON object";
        return std::nullopt;
    }
    const QJsonObject o = doc.object();
    const Verdict verdict = verify(o, m_options.partnerId, m_options.partnerKey, nowSeconds());
    auto reject = [&o](QLatin1String why) {
        qCWarning(lcChannels).noquote() << "ecard notification rejected:" << why << forLog(o);
        return std::nullopt;
    };
    if (verdict != Verdict::Ok)
        return reject(verdictName(verdict));

    EcardNotification n;
    n.notifyId = textField(o, field::notifyId);
    n.notifyType = textField(o, field::notifyType);
    n.outTradeNo = textField(o, field::outTradeNo);
    n.prepayId = textField(o, field::prepayId);
    n.studentNo = textField(o, field::studentNo);
    n.tradeNo = textField(o, field::tradeNo);
    n.paidTime = timeField(o, field::paidTime);
    n.errCode = textField(o, field::errCode);
    n.errMsg = textField(o, field::errMsg);
    n.attach = textField(o, field::attach);
    const auto state = tradeStateFromName(textField(o, field::tradeState));
    const auto amount = integerField(o, field::amount);
    if (n.notifyId.isEmpty() || n.outTradeNo.isEmpty())
        return reject(QLatin1String("notify_id or out_trade_no missing"));
    if (!state || (*state != TradeState::Success && *state != TradeState::PayError))
        return reject(QLatin1String("trade_state is not SUCCESS or PAYERROR"));
    if (!amount || *amount <= 0)
        return reject(QLatin1String("amount missing"));
    if (*state == TradeState::Success && (n.tradeNo.isEmpty() || !n.paidTime.isValid()))
        return reject(QLatin1String("SUCCESS without trade_no or paid_time"));
    n.tradeState = *state;
    n.amount = *amount;
    qCInfo(lcChannels).noquote() << "ecard notification" << forLog(o);
    return n;
}

QByteArray EcardClient::notificationAck()
{
    return QByteArrayLiteral("{\"retcode\":\"0000\",\"retmsg\":\"OK\"}");
}

QJsonObject buildCashierParams(const EcardCashierParam &param)
{
    QJsonObject o {
        {QStringLiteral("quickJump"), param.quickJump},
        {QStringLiteral("prepayId"), param.prepayId},
        {QStringLiteral("deviceType"), param.deviceType},
        {QStringLiteral("studentId"), param.studentId},
        {QStringLiteral("outTradeNo"), param.outTradeNo},
        {QStringLiteral("extParams"),
         QJsonObject {{QStringLiteral("wxOpenId"), param.wxOpenId},
                      {QStringLiteral("wxAppId"), param.wxAppId}}},
    };
    if (!param.cashierUrl.isEmpty())
        o.insert(QStringLiteral("cashierUrl"), param.cashierUrl);
    return o;
}

QJsonObject buildCashierParams(const EcardTrade &trade, const QString &wxOpenId,
                               const QString &wxAppId)
{
    EcardCashierParam p;
    p.prepayId = trade.prepayId;
    p.studentId = trade.studentNo;
    p.outTradeNo = trade.outTradeNo;
    p.wxOpenId = wxOpenId;
    p.wxAppId = wxAppId;
    p.cashierUrl = trade.cashierUrl;
    return buildCashierParams(p);
}

} // namespace pomelo
