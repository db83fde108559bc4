#include "channels/wechatprotocol.h"

#include "domain/errors.h"

#include <QJsonDocument>
#include <QJsonValue>
#include <QRegularExpression>
#include <QTimeZone>

#include <algorithm>
#include <cmath>

namespace pomelo::wechat {

namespace {

constexpr double MaxExactInteger = 9007199254740992.0;
constexpr int BeijingOffsetSeconds = 8 * 3600;

std::optional<qint64> integerValue(const QJsonValue &value)
{
    if (!value.isDouble())
        return std::nullopt;
    const double d = value.toDouble();
    if (!(std::abs(d) <= MaxExactInteger) || std::trunc(d) != d)
        return std::nullopt;
    return value.toInteger(qint64(d));
}

std::optional<qint64> timestampValue(const QString &text)
{
    thread_local const QRegularExpression digits(QStringLiteral("^[0-9]{1,12}$"));
    if (!digits.match(text).hasMatch())
        return std::nullopt;
    return text.toLongLong();
}

bool withinWindow(qint64 timestamp, qint64 now, int windowSeconds)
{
    const quint64 distance =
        timestamp > now ? quint64(timestamp) - quint64(now) : quint64(now) - quint64(timestamp);
    return windowSeconds >= 0 && distance <= quint64(windowSeconds);
}

/// Reads fields of a JSON object and remembers the first that was missing or ill-typed.
class Reader
{
public:
    explicit Reader(const QJsonObject &o, QString prefix = {})
        : m_o(o)
        , m_prefix(std::move(prefix))
    { }

    QString text(const char *key, bool required)
    {
        const QJsonValue v = m_o.value(QLatin1String(key));
        if (v.isUndefined() || v.isNull()) {
            if (required)
                fail(key);
            return {};
        }
        if (!v.isString() || (required && v.toString().isEmpty())) {
            fail(key);
            return {};
        }
        return v.toString();
    }
    std::optional<qint64> integer(const char *key, bool required)
    {
        const QJsonValue v = m_o.value(QLatin1String(key));
        if (v.isUndefined() || v.isNull()) {
            if (required)
                fail(key);
            return std::nullopt;
        }
        const auto n = integerValue(v);
        if (!n)
            fail(key);
        return n;
    }
    QJsonObject object(const char *key, bool required)
    {
        const QJsonValue v = m_o.value(QLatin1String(key));
        if (v.isUndefined() || v.isNull()) {
            if (required)
                fail(key);
            return {};
        }
        if (!v.isObject())
            fail(key);
        return v.toObject();
    }
    QDateTime time(const char *key, bool required)
    {
        const QString t = text(key, required);
        if (t.isEmpty())
            return {};
        const QDateTime dt = parseTime(t);
        if (!dt.isValid())
            fail(key);
        return dt;
    }
    void fail(const char *key)
    {
        if (m_error.isEmpty())
            m_error = m_prefix + QLatin1String(key);
    }
    void failWith(const QString &error)
    {
        if (m_error.isEmpty())
            m_error = error;
    }
    bool ok() const { return m_error.isEmpty(); }
    const QString &error() const { return m_error; }

private:
    const QJsonObject &m_o;
    QString m_prefix;
    QString m_error;
};

} // namespace

QString tradeStateName(TradeState state)
{
    switch (state) {
    case TradeState::Success:
        return QStringLiteral("SUCCESS");
    case TradeState::Refund:
        return QStringLiteral("REFUND");
    case TradeState::NotPay:
        return QStringLiteral("NOTPAY");
    case TradeState::Closed:
        return QStringLiteral("CLOSED");
    case TradeState::Revoked:
        return QStringLiteral("REVOKED");
    case TradeState::UserPaying:
        return QStringLiteral("USERPAYING");
    case TradeState::PayError:
        return QStringLiteral("PAYERROR");
    case TradeState::Accept:
        return QStringLiteral("ACCEPT");
    }
    return {};
}

std::optional<TradeState> tradeStateFromName(const QString &name)
{
    for (TradeState s :
         {TradeState::Success, TradeState::Refund, TradeState::NotPay, TradeState::Closed,
          TradeState::Revoked, TradeState::UserPaying, TradeState::PayError, TradeState::Accept}) {
        if (tradeStateName(s) == name)
            return s;
    }
    return std::nullopt;
}

QString refundStatusName(RefundStatus status)
{
    switch (status) {
    case RefundStatus::Success:
        return QStringLiteral("SUCCESS");
    case RefundStatus::Closed:
        return QStringLiteral("CLOSED");
    case RefundStatus::Processing:
        return QStringLiteral("PROCESSING");
    case RefundStatus::Abnormal:
        return QStringLiteral("ABNORMAL");
    }
    return {};
}

std::optional<RefundStatus> refundStatusFromName(const QString &name)
{
    for (RefundStatus s : {RefundStatus::Success, RefundStatus::Closed, RefundStatus::Processing,
                           RefundStatus::Abnormal}) {
        if (refundStatusName(s) == name)
            return s;
    }
    return std::nullopt;
}

QString formatTime(const QDateTime &time)
{
    if (!time.isValid())
        return {};
    return time.toOffsetFromUtc(BeijingOffsetSeconds).toString(Qt::ISODate);
}

QDateTime parseTime(const QString &text)
{
    thread_local const QRegularExpression rfc3339(
        QStringLiteral("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?(Z|[+"
                       "-][0-9]{2}:[0-9]{2})$"));
    if (!rfc3339.match(text).hasMatch())
        return {};
    return QDateTime::fromString(text, Qt::ISODateWithMs);
}

QString newNonce()
{
    return QString::fromLatin1(crypto::randomBytes(16).toHex().toUpper());
}

QString signBase64(const crypto::RsaPrivateKey &key, const QByteArray &message)
{
    return QString::fromLatin1(key.sign(message).toBase64());
}

bool verifyBase64(const crypto::RsaPublicKey &key, const QByteArray &message,
                  const QString &signatureBase64)
{
    if (signatureBase64.isEmpty() || signatureBase64.startsWith(SignTestPrefix))
        return false;
    const auto decoded = QByteArray::fromBase64Encoding(signatureBase64.toLatin1(),
                                                        QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded || decoded.decoded.isEmpty())
        return false;
    return key.verify(message, decoded.decoded);
}

QByteArray requestMessage(const QByteArray &method, const QString &url, const QString &timestamp,
                          const QString &nonce, const QByteArray &body)
{
    return method + '\n' + url.toUtf8() + '\n' + timestamp.toLatin1() + '\n' + nonce.toLatin1()
        + '\n' + body + '\n';
}

QByteArray answerMessage(const QString &timestamp, const QString &nonce, const QByteArray &body)
{
    return timestamp.toLatin1() + '\n' + nonce.toLatin1() + '\n' + body + '\n';
}

QByteArray authorizationHeader(const Authorization &a)
{
    return QString(AuthScheme + QStringLiteral(" mchid=\"") + a.mchId
                   + QStringLiteral("\",nonce_str=\"") + a.nonce + QStringLiteral("\",timestamp=\"")
                   + a.timestamp + QStringLiteral("\",serial_no=\"") + a.serialNo
                   + QStringLiteral("\",signature=\"") + a.signature + u'"')
        .toUtf8();
}

std::optional<Authorization> parseAuthorization(const QByteArray &value)
{
    const QString text = QString::fromUtf8(value).trimmed();
    const QString scheme = AuthScheme + u' ';
    if (!text.startsWith(scheme))
        return std::nullopt;
    thread_local const QRegularExpression pair(QStringLiteral("^\\s*([a-z_]+)=\"([^\"]*)\"\\s*$"));
    const QStringList parts = text.mid(scheme.size()).split(u',');
    Authorization a;
    QStringList seen;
    for (const QString &part : parts) {
        const QRegularExpressionMatch m = pair.match(part);
        if (!m.hasMatch())
            return std::nullopt;
        const QString key = m.captured(1);
        if (seen.contains(key))
            return std::nullopt;
        seen.append(key);
        const QString v = m.captured(2);
        if (key == QLatin1String("mchid"))
            a.mchId = v;
        else if (key == QLatin1String("nonce_str"))
            a.nonce = v;
        else if (key == QLatin1String("timestamp"))
            a.timestamp = v;
        else if (key == QLatin1String("serial_no"))
            a.serialNo = v;
        else if (key == QLatin1String("signature"))
            a.signature = v;
        else
            return std::nullopt;
    }
    if (seen.size() != 5)
        return std::nullopt;
    return a;
}

Authorization signRequest(const crypto::RsaPrivateKey &merchantKey, const QString &mchId,
                          const QString &merchantSerial, const QByteArray &method,
                          const QString &url, const QByteArray &body, qint64 nowSeconds,
                          QString nonce)
{
    Authorization a;
    a.mchId = mchId;
    a.nonce = nonce.isEmpty() ? newNonce() : std::move(nonce);
    a.timestamp = QString::number(nowSeconds);
    a.serialNo = merchantSerial;
    a.signature = signBase64(merchantKey, requestMessage(method, url, a.timestamp, a.nonce, body));
    return a;
}

QLatin1String verdictName(Verdict verdict)
{
    switch (verdict) {
    case Verdict::Ok:
        return QLatin1String("ok");
    case Verdict::Malformed:
        return QLatin1String("signature headers missing or malformed");
    case Verdict::WrongMerchant:
        return QLatin1String("unknown mchid");
    case Verdict::WrongSerial:
        return QLatin1String("serial names another key");
    case Verdict::SignTest:
        return QLatin1String("signature test probe");
    case Verdict::BadSignature:
        return QLatin1String("bad signature");
    case Verdict::Expired:
        return QLatin1String("timestamp outside the window");
    }
    return QLatin1String("?");
}

Verdict verifyRequest(const Authorization &a, const QByteArray &method, const QString &url,
                      const QByteArray &body, const crypto::RsaPublicKey &merchantPublicKey,
                      const QString &expectedMchId, const QString &expectedSerial,
                      qint64 nowSeconds, int windowSeconds)
{
    const auto timestamp = timestampValue(a.timestamp);
    if (a.mchId.isEmpty() || a.nonce.isEmpty() || a.serialNo.isEmpty() || a.signature.isEmpty()
        || !timestamp)
        return Verdict::Malformed;
    if (a.mchId != expectedMchId)
        return Verdict::WrongMerchant;
    if (a.serialNo.compare(expectedSerial, Qt::CaseInsensitive) != 0)
        return Verdict::WrongSerial;
    if (a.signature.startsWith(SignTestPrefix))
        return Verdict::SignTest;
    if (!verifyBase64(merchantPublicKey, requestMessage(method, url, a.timestamp, a.nonce, body),
                      a.signature))
        return Verdict::BadSignature;
    if (!withinWindow(*timestamp, nowSeconds, windowSeconds))
        return Verdict::Expired;
    return Verdict::Ok;
}

SignatureHeaders signAnswer(const crypto::RsaPrivateKey &platformKey, const QString &platformSerial,
                            const QByteArray &body, qint64 nowSeconds, QString nonce)
{
    SignatureHeaders h;
    h.timestamp = QString::number(nowSeconds);
    h.nonce = nonce.isEmpty() ? newNonce() : std::move(nonce);
    h.serial = platformSerial;
    h.signature = signBase64(platformKey, answerMessage(h.timestamp, h.nonce, body));
    return h;
}

HeaderList toHeaderList(const SignatureHeaders &h)
{
    return {
        {QByteArray(header::timestamp.data()), h.timestamp.toLatin1()},
        {QByteArray(header::nonce.data()), h.nonce.toLatin1()},
        {QByteArray(header::signature.data()), h.signature.toLatin1()},
        {QByteArray(header::serial.data()), h.serial.toLatin1()},
        {QByteArray(header::signatureType.data()), QByteArray(AuthScheme.data())},
    };
}

QByteArray headerValue(const HeaderList &headers, QLatin1String name)
{
    const QByteArray wanted = QByteArray(name.data(), name.size()).toLower();
    for (const auto &h : headers) {
        if (h.first.toLower() == wanted)
            return h.second;
    }
    return {};
}

SignatureHeaders signatureHeadersFrom(const HeaderList &headers)
{
    SignatureHeaders h;
    h.timestamp = QString::fromLatin1(headerValue(headers, header::timestamp)).trimmed();
    h.nonce = QString::fromLatin1(headerValue(headers, header::nonce)).trimmed();
    h.signature = QString::fromLatin1(headerValue(headers, header::signature)).trimmed();
    h.serial = QString::fromLatin1(headerValue(headers, header::serial)).trimmed();
    return h;
}

Verdict verifyAnswer(const SignatureHeaders &h, const QByteArray &body,
                     const crypto::RsaPublicKey &platformKey, const QString &expectedSerial,
                     qint64 nowSeconds, int windowSeconds)
{
    const auto timestamp = timestampValue(h.timestamp);
    if (!timestamp || h.nonce.isEmpty() || h.signature.isEmpty() || h.serial.isEmpty())
        return Verdict::Malformed;
    if (expectedSerial.isEmpty() || h.serial.compare(expectedSerial, Qt::CaseInsensitive) != 0)
        return Verdict::WrongSerial;
    if (h.signature.startsWith(SignTestPrefix))
        return Verdict::SignTest;
    if (!verifyBase64(platformKey, answerMessage(h.timestamp, h.nonce, body), h.signature))
        return Verdict::BadSignature;
    if (!withinWindow(*timestamp, nowSeconds, windowSeconds))
        return Verdict::Expired;
    return Verdict::Ok;
}

EncryptedResource encryptResource(const QByteArray &apiV3Key, const QByteArray &plaintext,
                                  const QString &associatedData, const QString &originalType,
                                  QString nonce)
{
    if (nonce.isEmpty()) {
        // 12 characters of [A-Za-z0-9], as WeChat's nonces look.
        static const char alphabet[] =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        const QByteArray random = crypto::randomBytes(12);
        for (char c : random)
            nonce += QLatin1Char(alphabet[static_cast<unsigned char>(c) % 62]);
    }
    EncryptedResource r;
    r.associatedData = associatedData;
    r.nonce = nonce;
    r.originalType = originalType;
    r.ciphertext = QString::fromLatin1(
        crypto::aes256GcmEncrypt(apiV3Key, nonce.toUtf8(), plaintext, associatedData.toUtf8())
            .toBase64());
    return r;
}

std::optional<QByteArray> decryptResource(const QByteArray &apiV3Key,
                                          const EncryptedResource &resource)
{
    if (resource.algorithm != Algorithm || apiV3Key.size() != ApiV3KeySize
        || resource.nonce.isEmpty())
        return std::nullopt;
    const auto decoded = QByteArray::fromBase64Encoding(resource.ciphertext.toLatin1(),
                                                        QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return std::nullopt;
    return crypto::aes256GcmDecrypt(apiV3Key, resource.nonce.toUtf8(), decoded.decoded,
                                    resource.associatedData.toUtf8());
}

QJsonObject resourceToJson(const EncryptedResource &r)
{
    return QJsonObject {
        {QStringLiteral("original_type"), r.originalType},
        {QStringLiteral("algorithm"), r.algorithm},
        {QStringLiteral("ciphertext"), r.ciphertext},
        {QStringLiteral("associated_data"), r.associatedData},
        {QStringLiteral("nonce"), r.nonce},
    };
}

std::optional<EncryptedResource> resourceFromJson(const QJsonObject &json)
{
    Reader in(json, QStringLiteral("resource."));
    EncryptedResource r;
    r.algorithm = in.text("algorithm", true);
    r.ciphertext = in.text("ciphertext", true);
    r.associatedData = in.text("associated_data", false);
    r.nonce = in.text("nonce", true);
    r.originalType = in.text("original_type", false);
    if (!in.ok())
        return std::nullopt;
    return r;
}

QJsonObject envelopeToJson(const NotificationEnvelope &e)
{
    return QJsonObject {
        {QStringLiteral("id"), e.id},
        {QStringLiteral("create_time"), e.createTime},
        {QStringLiteral("resource_type"), e.resourceType},
        {QStringLiteral("event_type"), e.eventType},
        {QStringLiteral("summary"), e.summary},
        {QStringLiteral("resource"), resourceToJson(e.resource)},
    };
}

std::optional<NotificationEnvelope> envelopeFromJson(const QJsonObject &json)
{
    Reader in(json);
    NotificationEnvelope e;
    e.id = in.text("id", true);
    e.createTime = in.text("create_time", false);
    e.eventType = in.text("event_type", true);
    e.resourceType = in.text("resource_type", true);
    e.summary = in.text("summary", false);
    const QJsonObject resource = in.object("resource", true);
    if (!in.ok() || e.resourceType != ResourceType)
        return std::nullopt;
    const auto r = resourceFromJson(resource);
    if (!r)
        return std::nullopt;
    e.resource = *r;
    return e;
}

QByteArray paySignMessage(const QString &appId, const QString &timeStamp, const QString &nonceStr,
                          const QString &package)
{
    return appId.toUtf8() + '\n' + timeStamp.toUtf8() + '\n' + nonceStr.toUtf8() + '\n'
        + package.toUtf8() + '\n';
}

QJsonObject requestPaymentParams(const crypto::RsaPrivateKey &merchantKey, const QString &appId,
                                 const QString &prepayId, qint64 nowSeconds, QString nonce)
{
    if (nonce.isEmpty())
        nonce = newNonce();
    const QString timeStamp = QString::number(nowSeconds);
    const QString package = QStringLiteral("prepay_id=") + prepayId;
    return QJsonObject {
        {QStringLiteral("appId"), appId},
        {QStringLiteral("timeStamp"), timeStamp},
        {QStringLiteral("nonceStr"), nonce},
        {QStringLiteral("package"), package},
        {QStringLiteral("signType"), QStringLiteral("RSA")},
        {QStringLiteral("paySign"),
         signBase64(merchantKey, paySignMessage(appId, timeStamp, nonce, package))},
    };
}

bool verifyRequestPaymentParams(const crypto::RsaPublicKey &merchantPublicKey,
                                const QJsonObject &params)
{
    Reader in(params);
    const QString appId = in.text("appId", true);
    const QString timeStamp = in.text("timeStamp", true);
    const QString nonceStr = in.text("nonceStr", true);
    const QString package = in.text("package", true);
    const QString signType = in.text("signType", true);
    const QString paySign = in.text("paySign", true);
    if (!in.ok() || signType != QLatin1String("RSA")
        || !package.startsWith(QLatin1String("prepay_id=")) || !timestampValue(timeStamp))
        return false;
    return verifyBase64(merchantPublicKey, paySignMessage(appId, timeStamp, nonceStr, package),
                        paySign);
}

std::optional<Transaction> parseTransaction(const QJsonObject &json, QString *error)
{
    Reader in(json);
    Transaction t;
    t.appId = in.text("appid", true);
    t.mchId = in.text("mchid", true);
    t.outTradeNo = in.text("out_trade_no", true);
    t.transactionId = in.text("transaction_id", false);
    t.tradeType = in.text("trade_type", false);
    const QString state = in.text("trade_state", true);
    t.tradeStateDesc = in.text("trade_state_desc", false);
    t.bankType = in.text("bank_type", false);
    t.attach = in.text("attach", false);
    t.successTime = in.time("success_time", false);
    const QJsonObject amount = in.object("amount", false);
    const QJsonObject payer = in.object("payer", false);
    Reader amountIn(amount, QStringLiteral("amount."));
    const auto total = amountIn.integer("total", false);
    t.payerTotal = amountIn.integer("payer_total", false);
    const QString currency = amountIn.text("currency", false);
    Reader payerIn(payer, QStringLiteral("payer."));
    t.payerOpenId = payerIn.text("openid", false);
    in.failWith(amountIn.error());
    in.failWith(payerIn.error());
    const auto tradeState = tradeStateFromName(state);
    if (in.ok() && !tradeState)
        in.fail("trade_state");
    if (in.ok() && (*tradeState == TradeState::Success || *tradeState == TradeState::Refund)) {
        if (t.transactionId.isEmpty())
            in.fail("transaction_id");
        else if (!t.successTime.isValid())
            in.fail("success_time");
        else if (!total)
            in.fail("amount.total");
    }
    if (in.ok() && total && *total < 0)
        in.fail("amount.total");
    if (!in.ok()) {
        if (error)
            *error = in.error();
        return std::nullopt;
    }
    t.tradeState = *tradeState;
    t.total = total.value_or(0);
    if (!currency.isEmpty())
        t.currency = currency;
    return t;
}

QJsonObject transactionToJson(const Transaction &t)
{
    QJsonObject o {
        {QStringLiteral("appid"), t.appId},
        {QStringLiteral("mchid"), t.mchId},
        {QStringLiteral("out_trade_no"), t.outTradeNo},
        {QStringLiteral("trade_state"), tradeStateName(t.tradeState)},
        {QStringLiteral("trade_state_desc"), t.tradeStateDesc},
    };
    auto put = [&o](const char *key, const QString &value) {
        if (!value.isEmpty())
            o.insert(QLatin1String(key), value);
    };
    put("transaction_id", t.transactionId);
    put("trade_type", t.tradeType);
    put("bank_type", t.bankType);
    put("attach", t.attach);
    put("success_time", formatTime(t.successTime));
    QJsonObject amount {{QStringLiteral("total"), t.total},
                        {QStringLiteral("currency"), t.currency}};
    if (t.payerTotal) {
        amount.insert(QStringLiteral("payer_total"), *t.payerTotal);
        amount.insert(QStringLiteral("payer_currency"), t.currency);
    }
    o.insert(QStringLiteral("amount"), amount);
    if (!t.payerOpenId.isEmpty())
        o.insert(QStringLiteral("payer"), QJsonObject {{QStringLiteral("openid"), t.payerOpenId}});
    return o;
}

std::optional<Refund> parseRefund(const QJsonObject &json, QString *error)
{
    Reader in(json);
    Refund r;
    r.refundId = in.text("refund_id", true);
    r.outRefundNo = in.text("out_refund_no", true);
    r.transactionId = in.text("transaction_id", false);
    r.outTradeNo = in.text("out_trade_no", true);
    const bool notification = json.contains(QLatin1String("refund_status"));
    const QString status = in.text(notification ? "refund_status" : "status", true);
    r.successTime = in.time("success_time", false);
    r.createTime = in.time("create_time", false);
    r.channel = in.text("channel", false);
    r.userReceivedAccount = in.text("user_received_account", false);
    const QJsonObject amount = in.object("amount", true);
    Reader amountIn(amount, QStringLiteral("amount."));
    const auto refund = amountIn.integer("refund", true);
    const auto total = amountIn.integer("total", true);
    r.payerRefund = amountIn.integer("payer_refund", false);
    r.payerTotal = amountIn.integer("payer_total", false);
    const QString currency = amountIn.text("currency", false);
    in.failWith(amountIn.error());
    const auto refundStatus = refundStatusFromName(status);
    if (in.ok() && !refundStatus)
        in.fail(notification ? "refund_status" : "status");
    if (in.ok() && (*refund <= 0 || *total <= 0 || *refund > *total))
        in.fail("amount.refund");
    if (!in.ok()) {
        if (error)
            *error = in.error();
        return std::nullopt;
    }
    r.status = *refundStatus;
    r.refund = *refund;
    r.total = *total;
    if (!currency.isEmpty())
        r.currency = currency;
    return r;
}

QJsonObject refundToJson(const Refund &r, bool asNotification, const QString &mchId)
{
    QJsonObject o {
        {QStringLiteral("refund_id"), r.refundId},
        {QStringLiteral("out_refund_no"), r.outRefundNo},
        {QStringLiteral("transaction_id"), r.transactionId},
        {QStringLiteral("out_trade_no"), r.outTradeNo},
    };
    QJsonObject amount {{QStringLiteral("refund"), r.refund}, {QStringLiteral("total"), r.total}};
    if (r.payerRefund)
        amount.insert(QStringLiteral("payer_refund"), *r.payerRefund);
    if (r.payerTotal)
        amount.insert(QStringLiteral("payer_total"), *r.payerTotal);
    if (asNotification) {
        if (!mchId.isEmpty())
            o.insert(QStringLiteral("mchid"), mchId);
        o.insert(QStringLiteral("refund_status"), refundStatusName(r.status));
    } else {
        o.insert(QStringLiteral("status"), refundStatusName(r.status));
        o.insert(QStringLiteral("channel"),
                 r.channel.isEmpty() ? QStringLiteral("ORIGINAL") : r.channel);
        amount.insert(QStringLiteral("currency"), r.currency);
        if (r.createTime.isValid())
            o.insert(QStringLiteral("create_time"), formatTime(r.createTime));
    }
    if (!r.userReceivedAccount.isEmpty())
        o.insert(QStringLiteral("user_received_account"), r.userReceivedAccount);
    if (r.successTime.isValid())
        o.insert(QStringLiteral("success_time"), formatTime(r.successTime));
    o.insert(QStringLiteral("amount"), amount);
    return o;
}

QJsonObject errorBody(const QString &code, const QString &message)
{
    return QJsonObject {{QStringLiteral("code"), code}, {QStringLiteral("message"), message}};
}

} // namespace pomelo::wechat
