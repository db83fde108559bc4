// The pay platform's API as a third-party app calls it (signed requests with a demo app's
// secret), shared by the e2e tests of the pay flow.
#pragma once

#include "bookingclient.h"
#include "domain/signing.h"
#include "storage/database.h"
#include "storage/paymentexceptionrepository.h"

#include <QDateTime>
#include <QFile>

namespace pomelo::test {

struct AppCredentials
{
    QString appId;
    QByteArray secret;
};

/// The demo app's secret from <data_dir>/apps.json.
inline AppCredentials demoApp(const QString &dataDir, const QString &appId)
{
    QFile f(dataDir + QStringLiteral("/apps.json"));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll());
    const QJsonArray apps =
        doc.isArray() ? doc.array() : doc.object().value(QStringLiteral("apps")).toArray();
    for (const QJsonValue &v : apps) {
        if (v[QStringLiteral("appId")].toString() == appId)
            return {appId, v[QStringLiteral("secret")].toString().toUtf8()};
    }
    return {};
}

inline QByteArray compact(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

/// @p fields signed as @p app for the request @p target (method and path).
inline QJsonObject signedBody(const signing::Target &target, QJsonObject fields,
                              const AppCredentials &app, const QStringList &unsignedKeys = {})
{
    fields.insert(QStringLiteral("appId"), app.appId);
    if (!fields.contains(QStringLiteral("nonce")))
        fields.insert(QStringLiteral("nonce"), signing::generateNonce());
    if (!fields.contains(QStringLiteral("timestamp")))
        fields.insert(QStringLiteral("timestamp"), QDateTime::currentSecsSinceEpoch());
    return signing::withSignature(target, fields, app.secret, unsignedKeys);
}

class PayApi
{
public:
    PayApi(ServerProcess &server, AppCredentials app)
        : m_server(server)
        , m_app(std::move(app))
    { }

    QJsonObject orderFields(const QString &outTradeNo, qint64 amount = 1500) const
    {
        return {
            {QStringLiteral("outTradeNo"), outTradeNo},
            {QStringLiteral("amount"), amount},
            {QStringLiteral("subject"), QStringLiteral("Water top-up")},
            {QStringLiteral("openId"), QStringLiteral("o-tester")},
            {QStringLiteral("studentId"), QStringLiteral("S20240001")},
            {QStringLiteral("notifyUrl"),
             QString(
                 QStringLiteral("http://127.0.0.1:%1/api/v1/pay-notify").arg(m_server.port()))}};
    }
    HttpResult create(const QJsonObject &fields) const
    {
        const QString path = QStringLiteral("/pay/v1/orders");
        return m_server.post(path, compact(signedBody(signing::Target::post(path), fields, m_app)));
    }
    HttpResult get(const QString &orderId) const
    {
        const QJsonObject s = signedBody(
            signing::Target::get(QStringLiteral("/pay/v1/orders/") + orderId), {}, m_app);
        return m_server.get(
            QStringLiteral("/pay/v1/orders/%1?appId=%2&nonce=%3&timestamp=%4&sign=%5")
                .arg(orderId, m_app.appId, s[QStringLiteral("nonce")].toString())
                .arg(s[QStringLiteral("timestamp")].toInteger())
                .arg(s[QStringLiteral("sign")].toString()));
    }
    QString status(const QString &orderId) const
    {
        return get(orderId).json()[QStringLiteral("status")].toString();
    }
    HttpResult cashier(const QString &orderId, qint64 amount, const QString &channel) const
    {
        QJsonObject body = signedBody(
            signing::Target::post(QStringLiteral("/pay/v1/cashier")),
            {{QStringLiteral("orderId"), orderId}, {QStringLiteral("amount"), amount}}, m_app);
        body.insert(QStringLiteral("channel"), channel);
        return m_server.post(QStringLiteral("/pay/v1/cashier"), compact(body));
    }
    HttpResult close(const QString &orderId) const
    {
        const QString path = QStringLiteral("/pay/v1/orders/%1/close").arg(orderId);
        return m_server.post(path, compact(signedBody(signing::Target::post(path), {}, m_app)));
    }
    HttpResult refund(const QString &orderId, const QString &outRefundNo, qint64 amount,
                      const QString &reason = QStringLiteral("customer asked")) const
    {
        return m_server.post(
            QStringLiteral("/pay/v1/refunds"),
            compact(signedBody(signing::Target::post(QStringLiteral("/pay/v1/refunds")),
                               {{QStringLiteral("orderId"), orderId},
                                {QStringLiteral("outRefundNo"), outRefundNo},
                                {QStringLiteral("amount"), amount},
                                {QStringLiteral("reason"), reason}},
                               m_app)));
    }
    /// A new INIT order; its id, or "" (and a warning) when it was refused.
    QString createOrder(const QString &outTradeNo, qint64 amount) const
    {
        const HttpResult r = create(orderFields(outTradeNo, amount));
        if (r.status != 201)
            qWarning("order not created: %d %s", r.status, r.body.constData());
        return r.json()[QStringLiteral("orderId")].toString();
    }
    /// Cashier (e-card) and the sandbox's simulated payment; true when both were accepted.
    bool payWithEcard(const QString &orderId, qint64 amount) const;
    /// A created, cashiered and paid (e-card sandbox) order of @p amount.
    QString paidOrder(const QString &outTradeNo, qint64 amount = 1500) const;
    const AppCredentials &app() const { return m_app; }

private:
    ServerProcess &m_server;
    AppCredentials m_app;
};

inline HttpResult simulatePay(ServerProcess &server, const QString &prepayId,
                              const QString &result = QStringLiteral("SUCCESS"))
{
    return server.post(
        QStringLiteral("/sandbox/ecard/simulate/pay"),
        compact({{QStringLiteral("prepayId"), prepayId}, {QStringLiteral("result"), result}}));
}

/// The student's page paying a booking: sign, then the cashier with @p channel. Returns the
/// prepay id (what the channel's payment needs), empty when a step failed.
inline QString signAndOpenCashier(ServerProcess &server, const MiniProgramUser &user,
                                  const QString &bookingId,
                                  const QString &channel = QStringLiteral("ECARD"))
{
    const HttpResult sign =
        user.post(QStringLiteral("/api/v1/bookings/%1/sign").arg(bookingId), {});
    if (sign.status != 200)
        return {};
    QJsonObject cashier = sign.json()[QStringLiteral("cashier")].toObject();
    cashier.insert(QStringLiteral("channel"), channel);
    const HttpResult r = server.post(QStringLiteral("/pay/v1/cashier"), compact(cashier));
    if (r.status != 200)
        return {};
    return r.json()[QStringLiteral("payParams")][QStringLiteral("prepayId")].toString();
}

inline bool PayApi::payWithEcard(const QString &orderId, qint64 amount) const
{
    const HttpResult r = cashier(orderId, amount, QStringLiteral("ECARD"));
    if (r.status != 200) {
        qWarning("cashier: %d %s", r.status, r.body.constData());
        return false;
    }
    return simulatePay(m_server,
                       r.json()[QStringLiteral("payParams")][QStringLiteral("prepayId")].toString())
               .status
        == 200;
}

inline QString PayApi::paidOrder(const QString &outTradeNo, qint64 amount) const
{
    const QString orderId = createOrder(outTradeNo, amount);
    if (orderId.isEmpty() || !payWithEcard(orderId, amount))
        return {};
    return waitUntil([&] { return status(orderId) == QLatin1String("PAID"); }, 15000) ? orderId
                                                                                      : QString();
}

/// The server's database, opened beside it (SQLite in its data dir, or its --database).
inline QString serverDatabaseUrl(ServerProcess &server)
{
    return BookingHarness::databaseUrl(server.process().arguments(), server.dataDir());
}

/// The payment exceptions recorded for @p orderId once one of them is in @p state (waits up to
/// @p timeoutMs); empty when none got there.
inline QList<PaymentException> exceptionsOnceIn(ServerProcess &server, qint64 orderId,
                                                PaymentExceptionState state, int timeoutMs = 20000)
{
    Database db(serverDatabaseUrl(server));
    QList<PaymentException> found;
    waitUntil(
        [&] {
            found = PaymentExceptionRepository(db).ofOrder(orderId);
            return std::any_of(found.cbegin(), found.cend(),
                               [&](const PaymentException &e) { return e.state == state; });
        },
        timeoutMs);
    return std::any_of(found.cbegin(), found.cend(),
                       [&](const PaymentException &e) { return e.state == state; })
        ? found
        : QList<PaymentException> {};
}

} // namespace pomelo::test
