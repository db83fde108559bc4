#include "signservice.h"

#include "domain/errors.h"
#include "domain/signing.h"
#include "domain/snowflake.h"
#include "net/httpclient.h"
#include "storage/apprepository.h"
#include "storage/bookingrepository.h"
#include "storage/secretbox.h"
#include "storage/userrepository.h"
#include "storage/venuerepository.h"
#include "telemetry/continuedspan.h"
#include "telemetry/logging.h"

#include <QDateTime>
#include <QJsonDocument>

namespace pomelo {

namespace {

constexpr int PayCallTimeoutMs = 5000;

/// Signs @p fields as the booking app (`booking.app_id`) for `POST @p path`, with a fresh nonce and
/// timestamp.
QJsonObject signedAsApp(const QString &path, QJsonObject fields, const App &app)
{
    fields.insert(QStringLiteral("appId"), app.appId);
    fields.insert(QStringLiteral("nonce"), signing::generateNonce());
    fields.insert(QStringLiteral("timestamp"), QDateTime::currentSecsSinceEpoch());
    return signing::withSignature(signing::Target::post(path), fields, app.secret);
}

} // namespace

SignService::SignService(const ServerContext &context)
    : m_ctx(context)
{ }

QJsonObject SignService::callPayPlatform(const QString &path, const QJsonObject &fields,
                                         const App &app, const QString &spanName) const
{
    HttpClientRequest request;
    request.method = QByteArrayLiteral("POST");
    request.url = QUrl(m_ctx.config.publicBaseUrl() + path);
    request.body = QJsonDocument(signedAsApp(path, fields, app)).toJson(QJsonDocument::Compact);
    request.headers.append(
        {QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")});
    request.timeoutMs = PayCallTimeoutMs;
    request.spanName = spanName;
    const HttpClientResponse response = HttpClient::send(request);
    const QJsonObject answer = QJsonDocument::fromJson(response.body).object();
    if (!response.ok()) {
        if (response.status == 503 || answer.value(QStringLiteral("code")).toInt() == 5030) {
            // The pay platform is up but its Redis or database is not: the student retries
            // later (5030), this is no channel's fault (3001).
            throw Error(ErrorCode::DependencyUnavailable,
                        QStringLiteral("pay platform unavailable: HTTP %1").arg(response.status));
        }
        if (response.status >= 400 && response.status < 500) {
            // The pay platform's own verdict (e.g. 2009): pass it on. Only its own codes (2xxx)
            // are a verdict; anything else (404 of a server without the pay module, a proxy's
            // 4xx) means the platform is not there: 3001.
            const int code = answer.value(QStringLiteral("code")).toInt();
            if (const std::optional<ErrorCode> known = errorCodeFromInt(code);
                known && code / 1000 == 2)
                throw Error(*known, QStringLiteral("pay platform refused: ") + path);
        }
        throw Error(
            ErrorCode::ChannelError,
            QStringLiteral("pay platform: HTTP %1 %2").arg(response.status).arg(response.error));
    }
    return answer;
}

App SignService::bookingApp() const
{
    const QString appId = m_ctx.config.bookingAppId();
    const std::optional<App> app = AppRepository(m_ctx.db, m_ctx.secrets).find(appId);
    if (!app)
        throw Error(ErrorCode::ChannelError,
                    QStringLiteral("the booking app %1 (booking.app_id) is not registered; run "
                                   "pomelo-server init")
                        .arg(appId));
    return *app;
}

QString SignService::requestRefund(const Booking &booking, const QString &reason) const
{
    const App app = bookingApp();
    const QJsonObject fields {
        {QStringLiteral("orderId"), snowflakeToString(booking.payOrderId.value_or(0))},
        {QStringLiteral("outRefundNo"),
         QString(QStringLiteral("cancel-") + snowflakeToString(booking.id))},
        {QStringLiteral("amount"), booking.amount},
        {QStringLiteral("reason"), reason},
    };
    try {
        return callPayPlatform(QStringLiteral("/pay/v1/refunds"), fields, app,
                               QStringLiteral("pay.refund"))
            .value(QStringLiteral("orderStatus"))
            .toString();
    } catch (const Error &e) {
        if (e.code() != ErrorCode::OrderFinished)
            throw;
        return QStringLiteral("REFUNDED"); // refunded earlier (2007): finish the booking
    }
}

QString SignService::orderStatus(qint64 orderId, const App &app) const
{
    const QString path = QStringLiteral("/pay/v1/orders/") + snowflakeToString(orderId);
    const QJsonObject s =
        signing::withSignature(signing::Target::get(path),
                               {{QStringLiteral("appId"), app.appId},
                                {QStringLiteral("nonce"), signing::generateNonce()},
                                {QStringLiteral("timestamp"), QDateTime::currentSecsSinceEpoch()}},
                               app.secret);
    QStringList query;
    for (auto it = s.constBegin(); it != s.constEnd(); ++it) {
        const QString value = it->isString() ? it->toString() : QString::number(it->toInteger());
        query.append(it.key() + u'=' + QString::fromLatin1(QUrl::toPercentEncoding(value)));
    }
    HttpClientRequest request;
    request.method = QByteArrayLiteral("GET");
    request.url = QUrl(m_ctx.config.publicBaseUrl() + path);
    request.url.setQuery(query.join(u'&'), QUrl::StrictMode);
    request.timeoutMs = PayCallTimeoutMs;
    request.spanName = QStringLiteral("pay.queryOrder");
    const HttpClientResponse response = HttpClient::send(request);
    const QString status =
        QJsonDocument::fromJson(response.body).object().value(QStringLiteral("status")).toString();
    if (!response.ok() || status.isEmpty())
        throw Error(response.status == 503 ? ErrorCode::DependencyUnavailable
                                           : ErrorCode::ChannelError,
                    QStringLiteral("pay platform: order query HTTP %1").arg(response.status));
    return status;
}

QString SignService::closeOrder(const Booking &booking) const
{
    const App app = bookingApp();
    const qint64 orderId = booking.payOrderId.value_or(0);
    try {
        return callPayPlatform(
                   QStringLiteral("/pay/v1/orders/%1/close").arg(snowflakeToString(orderId)), {},
                   app, QStringLiteral("pay.close"))
            .value(QStringLiteral("status"))
            .toString();
    } catch (const Error &e) {
        if (e.code() != ErrorCode::OrderFinished)
            throw;
    }
    // Finished already: closed by an earlier call or its timeout, or paid meanwhile.
    return orderStatus(orderId, app);
}

SignResult SignService::sign(qint64 userId, qint64 bookingId)
{
    BookingRepository bookings(m_ctx.db);
    const std::optional<Booking> booking = bookings.find(bookingId);
    if (!booking)
        throw Error(ErrorCode::BookingNotFound, QStringLiteral("no such booking"));
    if (booking->userId != userId)
        throw Error(ErrorCode::BookingOfAnotherUser, QStringLiteral("booking of another user"));
    if (booking->status != BookingStatus::PendingPayment)
        throw Error(ErrorCode::BookingStateConflict,
                    QStringLiteral("booking is ") + statusName(booking->status));
    // The student signs in a request of its own: continue the booking's trace, so the pay
    // platform's order (created below, with our traceparent) joins it.
    ContinuedSpan span(QStringLiteral("booking.sign"), booking->traceparent);
    if (span.span().span().isRecording()) {
        span.setAttribute(QStringLiteral("booking.id"), QString::number(booking->id));
        span.setAttribute(QStringLiteral("venue.id"), booking->venueId);
    }
    const std::optional<User> user = UserRepository(m_ctx.db).find(userId);
    if (!user)
        throw Error(ErrorCode::Unauthorized, QStringLiteral("user gone"));

    const std::optional<App> app = bookingApp();

    const std::optional<Venue> venue = VenueRepository(m_ctx.db).find(booking->venueId);
    const QString base = m_ctx.config.publicBaseUrl();
    QJsonObject order {
        {QStringLiteral("outTradeNo"), snowflakeToString(booking->id)},
        {QStringLiteral("amount"), booking->amount},
        {QStringLiteral("subject"),
         QString((venue ? venue->name : QStringLiteral("Venue booking")) + u' ' + booking->date
                 + u' ' + booking->startTime + u'-' + booking->endTime)},
        {QStringLiteral("openId"), user->openId},
        {QStringLiteral("notifyUrl"), QString(base + QStringLiteral("/api/v1/pay-notify"))},
    };
    if (!user->studentId.isEmpty())
        order.insert(QStringLiteral("studentId"), user->studentId);

    const QJsonObject answer = callPayPlatform(QStringLiteral("/pay/v1/orders"), order, *app,
                                               QStringLiteral("pay.createOrder"));
    const std::optional<qint64> orderId =
        snowflakeFromString(answer.value(QStringLiteral("orderId")).toString());
    if (!orderId)
        throw Error(ErrorCode::ChannelError, QStringLiteral("pay platform answered no order id"));

    if (booking->payOrderId != orderId) {
        const bool recorded = m_ctx.db.transact([&](Transaction &tx) {
            return bookings.setPayOrder(tx, booking->id, booking->version, *orderId);
        });
        if (!recorded) {
            // Changed meanwhile: fine if another sign recorded the same order.
            const std::optional<Booking> now = bookings.find(bookingId);
            if (!now || now->payOrderId != orderId)
                throw Error(ErrorCode::BookingStateConflict,
                            QStringLiteral("booking changed while signing"));
        }
    }
    qCInfo(lcBooking).noquote() << "booking" << booking->id << "signed: pay order" << *orderId;

    // Signed for the one route the front end may pass it to; `channel` is added unsigned there.
    const QJsonObject cashier =
        signedAsApp(QStringLiteral("/pay/v1/cashier"),
                    QJsonObject {{QStringLiteral("orderId"), snowflakeToString(*orderId)},
                                 {QStringLiteral("amount"), booking->amount}},
                    *app);
    return {*orderId, cashier};
}

} // namespace pomelo
