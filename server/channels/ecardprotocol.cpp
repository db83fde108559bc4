#include "channels/ecardprotocol.h"

#include "domain/crypto.h"
#include "domain/errors.h"

#include <QJsonDocument>
#include <QJsonValue>
#include <QList>
#include <QUrl>

#include <algorithm>
#include <cmath>
#include <utility>

namespace pomelo::ecard {

namespace {

/// 2^53: beyond it a double no longer holds every integer, so "integer" would be ambiguous.
constexpr double MaxExactInteger = 9007199254740992.0;
constexpr qsizetype MaxKeyLength = 32;

bool isValidKey(const QString &key)
{
    if (key.isEmpty() || key.size() > MaxKeyLength)
        return false;
    return std::all_of(key.begin(), key.end(), [](QChar c) {
        const char16_t u = c.unicode();
        return (u >= u'a' && u <= u'z') || (u >= u'0' && u <= u'9') || u == u'_';
    });
}

std::optional<qint64> integerValue(const QJsonValue &value)
{
    if (!value.isDouble())
        return std::nullopt;
    const double d = value.toDouble();
    if (!(std::abs(d) <= MaxExactInteger) || std::trunc(d) != d)
        return std::nullopt;
    // toInteger() is exact for integers Qt parsed from text; the double check above bounds it.
    return value.toInteger(qint64(d));
}

bool isLowerHex64(const QString &text)
{
    if (text.size() != 64)
        return false;
    return std::all_of(text.begin(), text.end(), [](QChar c) {
        const char16_t u = c.unicode();
        return (u >= u'0' && u <= u'9') || (u >= u'a' && u <= u'f');
    });
}

} // namespace

QString retmsgOf(const QString &code)
{
    struct Entry
    {
        QLatin1String code;
        const char16_t *message;
    };
    static const Entry table[] = {
        {retcode::success, u"成功"},
        {retcode::invalidParameter, u"参数错误"},
        {retcode::signError, u"签名错误"},
        {retcode::timestampExpired, u"请求已过期"},
        {retcode::nonceReused, u"重复请求"},
        {retcode::studentNotFound, u"学生账户不存在"},
        {retcode::insufficientBalance, u"余额不足"},
        {retcode::orderNotFound, u"订单不存在"},
        {retcode::orderClosed, u"订单已关闭"},
        {retcode::duplicateOutTradeNo, u"商户订单号重复"},
        {retcode::orderStateInvalid, u"订单状态不允许此操作"},
        {retcode::refundExceedsAmount, u"退款金额超过可退金额"},
        {retcode::refundNotFound, u"退款单不存在"},
        {retcode::duplicateOutRefundNo, u"商户退款单号重复"},
        {retcode::paymentFailed, u"支付失败"},
        {retcode::systemError, u"系统繁忙"},
    };
    for (const Entry &e : table) {
        if (code == e.code)
            return QString::fromUtf16(e.message);
    }
    return QStringLiteral("未知错误");
}

QString tradeStateName(TradeState state)
{
    switch (state) {
    case TradeState::NotPay:
        return QStringLiteral("NOTPAY");
    case TradeState::Success:
        return QStringLiteral("SUCCESS");
    case TradeState::Closed:
        return QStringLiteral("CLOSED");
    case TradeState::PayError:
        return QStringLiteral("PAYERROR");
    case TradeState::Refund:
        return QStringLiteral("REFUND");
    }
    return {};
}

std::optional<TradeState> tradeStateFromName(const QString &name)
{
    for (TradeState s : {TradeState::NotPay, TradeState::Success, TradeState::Closed,
                         TradeState::PayError, TradeState::Refund}) {
        if (tradeStateName(s) == name)
            return s;
    }
    return std::nullopt;
}

QString refundStateName(RefundState state)
{
    switch (state) {
    case RefundState::Processing:
        return QStringLiteral("PROCESSING");
    case RefundState::Success:
        return QStringLiteral("SUCCESS");
    case RefundState::Failed:
        return QStringLiteral("FAILED");
    }
    return {};
}

std::optional<RefundState> refundStateFromName(const QString &name)
{
    for (RefundState s : {RefundState::Processing, RefundState::Success, RefundState::Failed}) {
        if (refundStateName(s) == name)
            return s;
    }
    return std::nullopt;
}

std::optional<QByteArray> canonicalString(const QJsonObject &message)
{
    QList<std::pair<QByteArray, QByteArray>> fields;
    fields.reserve(message.size());
    for (auto it = message.begin(); it != message.end(); ++it) {
        const QString key = it.key();
        if (key == field::sign)
            continue;
        if (!isValidKey(key))
            return std::nullopt;
        const QJsonValue value = it.value();
        QByteArray text;
        if (value.isNull()) {
            continue;
        } else if (value.isString()) {
            if (value.toString().isEmpty())
                continue;
            text = QUrl::toPercentEncoding(value.toString());
        } else if (const auto n = integerValue(value)) {
            text = QByteArray::number(*n);
        } else {
            return std::nullopt;
        }
        fields.emplace_back(key.toLatin1(), std::move(text));
    }
    // Keys are ASCII, so QJsonObject's order already is byte order; sort anyway so the contract
    // does not depend on Qt's storage.
    std::sort(fields.begin(), fields.end(),
              [](const auto &a, const auto &b) { return a.first < b.first; });
    QByteArray out;
    for (const auto &[key, text] : std::as_const(fields)) {
        if (!out.isEmpty())
            out += '&';
        out += key;
        out += '=';
        out += text;
    }
    return out;
}

QString sign(const QJsonObject &message, const QByteArray &key)
{
    if (key.isEmpty())
        throw Error(ErrorCode::Internal, QStringLiteral("ecard signing: empty partner key"));
    const auto canonical = canonicalString(message);
    if (!canonical)
        throw Error(ErrorCode::Internal,
                    QStringLiteral("ecard signing: message has a field the protocol forbids"));
    return QString::fromLatin1(crypto::hmacSha256(key, *canonical).toHex());
}

QJsonObject withSignature(QJsonObject message, const QByteArray &key)
{
    message.insert(field::sign, sign(message, key));
    return message;
}

bool verifySignature(const QJsonObject &message, const QByteArray &key)
{
    const QJsonValue given = message.value(field::sign);
    if (!given.isString() || key.isEmpty() || !isLowerHex64(given.toString()))
        return false;
    const auto canonical = canonicalString(message);
    if (!canonical)
        return false;
    return crypto::constantTimeEquals(crypto::hmacSha256(key, *canonical).toHex(),
                                      given.toString().toLatin1());
}

QLatin1String verdictName(Verdict verdict)
{
    switch (verdict) {
    case Verdict::Ok:
        return QLatin1String("ok");
    case Verdict::Malformed:
        return QLatin1String("malformed envelope");
    case Verdict::WrongPartner:
        return QLatin1String("wrong partner_id");
    case Verdict::BadSignature:
        return QLatin1String("bad signature");
    case Verdict::Expired:
        return QLatin1String("timestamp outside the window");
    }
    return QLatin1String("?");
}

QLatin1String verdictRetcode(Verdict verdict)
{
    switch (verdict) {
    case Verdict::Ok:
        return retcode::success;
    case Verdict::Malformed:
        return retcode::invalidParameter;
    case Verdict::WrongPartner:
    case Verdict::BadSignature:
        return retcode::signError;
    case Verdict::Expired:
        return retcode::timestampExpired;
    }
    return retcode::systemError;
}

Verdict verify(const QJsonObject &message, const QString &partnerId, const QByteArray &key,
               qint64 nowSeconds, int windowSeconds)
{
    const auto partner = stringField(message, field::partnerId);
    const auto timestamp = integerField(message, field::timestamp);
    const auto nonce = stringField(message, field::nonceStr);
    if (!partner || partner->isEmpty() || !timestamp || !nonce || !isValidNonce(*nonce)
        || !message.value(field::sign).isString() || !canonicalString(message))
        return Verdict::Malformed;
    if (*partner != partnerId)
        return Verdict::WrongPartner;
    if (!verifySignature(message, key))
        return Verdict::BadSignature;
    // Unsigned distance: no overflow for any pair of qint64.
    const quint64 distance = *timestamp > nowSeconds ? quint64(*timestamp) - quint64(nowSeconds)
                                                     : quint64(nowSeconds) - quint64(*timestamp);
    if (windowSeconds < 0 || distance > quint64(windowSeconds))
        return Verdict::Expired;
    return Verdict::Ok;
}

QJsonObject stamped(QJsonObject fields, const QString &partnerId, qint64 nowSeconds)
{
    fields.insert(field::partnerId, partnerId);
    fields.insert(field::timestamp, nowSeconds);
    fields.insert(field::nonceStr, newNonce());
    fields.remove(field::sign);
    return fields;
}

QString newNonce()
{
    return QString::fromLatin1(crypto::randomBytes(16).toHex());
}

bool isValidNonce(const QString &nonce)
{
    if (nonce.size() < NonceMinLength || nonce.size() > NonceMaxLength)
        return false;
    return std::all_of(nonce.begin(), nonce.end(), [](QChar c) {
        const char16_t u = c.unicode();
        return (u >= u'A' && u <= u'Z') || (u >= u'a' && u <= u'z') || (u >= u'0' && u <= u'9');
    });
}

std::optional<qint64> integerField(const QJsonObject &message, QLatin1String key)
{
    return integerValue(message.value(key));
}

std::optional<QString> stringField(const QJsonObject &message, QLatin1String key)
{
    const QJsonValue value = message.value(key);
    if (!value.isString())
        return std::nullopt;
    return value.toString();
}

QByteArray forLog(const QJsonObject &message)
{
    QJsonObject copy = message;
    copy.remove(field::sign);
    return QJsonDocument(copy).toJson(QJsonDocument::Compact);
}

} // namespace pomelo::ecard
