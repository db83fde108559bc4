// shared/api/admintypes.*: the admin API's wire contract. For every DTO, toJson() writes what the
// server answers (API.md "Admin API"; the literal texts are answers of a real pomelo-server, ids
// and times included), and fromJson() reads that back to the same value, once with every optional
// field set and once with none. A key renamed on either side fails here.
#include "api/admintypes.h"

#include <QJsonDocument>
#include <QTest>

#include <functional>

using namespace pomelo::api;
using namespace Qt::StringLiterals;

namespace {

/// A DTO value of any type, so that one table holds several types.
struct Wire
{
    std::function<QJsonObject()> toJson;
    /// `fromJson(o) == the value`.
    std::function<bool(const QJsonObject &)> readsBackFrom;
};

template<typename T> Wire wire(const T &value)
{
    return {[value] { return value.toJson(); },
            [value](const QJsonObject &o) {
                return T::fromJson(o) == value;
            }};
}

/// For the lists that have free functions instead of a struct (`/queues`, `/locks`).
template<typename T>
Wire wire(const T &value, QJsonObject (*toJson)(const T &), T (*fromJson)(const QJsonObject &))
{
    return {[value, toJson] { return toJson(value); },
            [value, fromJson](const QJsonObject &o) {
                return fromJson(o) == value;
            }};
}

QByteArray compact(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

void addColumns()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<Wire>("value");
}

template<typename T> void row(const char *name, const T &value, const char *json)
{
    QTest::newRow(name) << QByteArray(json) << wire(value);
}

/// The check every table shares.
void checkWire()
{
    QFETCH(QByteArray, json);
    QFETCH(Wire, value);
    QJsonParseError error {};
    const QJsonObject answer = QJsonDocument::fromJson(json, &error).object();
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
    const QJsonObject written = value.toJson();
    QCOMPARE(compact(written), compact(answer)); // the keys and value types of the wire
    QVERIFY2(value.readsBackFrom(written), "fromJson(toJson(x)) != x");
    QVERIFY2(value.readsBackFrom(answer), "fromJson(the server's answer) != x");
}

// ---- Orders ----

const char PaidOrderJson[] = R"json({"amount":4000,"appId":"venue-booking","channel":"ECARD",
"channelTradeNo":"ET2026120718443618323863","createdAt":"2026-12-07T18:44:36.752+08:00",
"expiresAt":"2026-12-07T18:59:36.752+08:00","notifyUrl":"http://127.0.0.1:36245/api/v1/pay-notify",
"openId":"o-alice","orderId":"388279626115784704","outTradeNo":"388279626082230272",
"paidAt":"2026-12-07T18:44:36.000+08:00","refundedAmount":100,"status":"PAID",
"studentId":"B22040101","subject":"羽毛球场 1 号 2026-12-08 09:00-11:00",
"updatedAt":"2026-12-07T18:44:40.971+08:00","version":4})json";

AdminOrder paidOrder()
{
    AdminOrder o;
    o.orderId = u"388279626115784704"_s;
    o.appId = u"venue-booking"_s;
    o.outTradeNo = u"388279626082230272"_s;
    o.amount = 4000;
    o.refundedAmount = 100;
    o.subject = u"羽毛球场 1 号 2026-12-08 09:00-11:00"_s;
    o.status = u"PAID"_s;
    o.channel = u"ECARD"_s;
    o.channelTradeNo = u"ET2026120718443618323863"_s;
    o.openId = u"o-alice"_s;
    o.studentId = u"B22040101"_s;
    o.createdAt = u"2026-12-07T18:44:36.752+08:00"_s;
    o.updatedAt = u"2026-12-07T18:44:40.971+08:00"_s;
    o.paidAt = u"2026-12-07T18:44:36.000+08:00"_s;
    o.expiresAt = u"2026-12-07T18:59:36.752+08:00"_s;
    o.notifyUrl = u"http://127.0.0.1:36245/api/v1/pay-notify"_s;
    o.version = 4;
    return o;
}

/// A late payment of a closed order: every optional field is there.
const char ClosedOrderJson[] = R"json({"amount":2000,"appId":"venue-booking","channel":"ECARD",
"channelTradeNo":"ET2026120718443613809640","closedAt":"2026-12-07T18:44:36.944+08:00",
"createdAt":"2026-12-07T18:44:36.932+08:00","expiresAt":"2026-12-07T18:59:36.932+08:00",
"needsRefund":true,"notifyUrl":"http://127.0.0.1:36245/api/v1/pay-notify","openId":"o-alice",
"orderId":"388279626870759424","outTradeNo":"388279626862370816",
"paidAt":"2026-12-07T18:44:36.000+08:00","refundedAmount":0,"status":"CLOSED",
"studentId":"B22040101","subject":"羽毛球场 1 号 2026-12-08 14:00-15:00",
"updatedAt":"2026-12-07T18:44:36.944+08:00","version":2})json";

AdminOrder closedOrder()
{
    AdminOrder o = paidOrder();
    o.orderId = u"388279626870759424"_s;
    o.outTradeNo = u"388279626862370816"_s;
    o.amount = 2000;
    o.refundedAmount = 0;
    o.subject = u"羽毛球场 1 号 2026-12-08 14:00-15:00"_s;
    o.status = u"CLOSED"_s;
    o.channelTradeNo = u"ET2026120718443613809640"_s;
    o.createdAt = u"2026-12-07T18:44:36.932+08:00"_s;
    o.updatedAt = u"2026-12-07T18:44:36.944+08:00"_s;
    o.expiresAt = u"2026-12-07T18:59:36.932+08:00"_s;
    o.closedAt = u"2026-12-07T18:44:36.944+08:00"_s;
    o.needsRefund = true;
    o.version = 2;
    return o;
}

/// Before the cashier, of an app that names no student: openId, notifyUrl and refundedAmount are
/// there all the same.
const char NewOrderJson[] = R"json({"amount":1500,"appId":"utility-topup",
"createdAt":"2026-12-07T18:44:36.954+08:00","expiresAt":"2026-12-07T18:59:36.954+08:00",
"notifyUrl":"","openId":"","orderId":"388279626963034112","outTradeNo":"TOPUP-1",
"refundedAmount":0,"status":"INIT","subject":"Water top-up",
"updatedAt":"2026-12-07T18:44:36.954+08:00","version":0})json";

AdminOrder newOrder()
{
    AdminOrder o;
    o.orderId = u"388279626963034112"_s;
    o.appId = u"utility-topup"_s;
    o.outTradeNo = u"TOPUP-1"_s;
    o.amount = 1500;
    o.subject = u"Water top-up"_s;
    o.status = u"INIT"_s;
    o.createdAt = u"2026-12-07T18:44:36.954+08:00"_s;
    o.updatedAt = o.createdAt;
    o.expiresAt = u"2026-12-07T18:59:36.954+08:00"_s;
    return o;
}

// ---- Order detail ----

const char FirstEventJson[] = R"json({"at":"2026-12-07T18:44:36.752+08:00","id":"1",
"payload":{"amount":4000,"appId":"venue-booking","status":"INIT","version":0},
"publishedAt":"2026-12-07T18:44:36.753+08:00","spanId":"d9cda95b652f4a15","status":"INIT",
"traceId":"4ecbe6e68d44f9d476f6edc993b80d0f"})json";

OrderEvent firstEvent()
{
    return {u"1"_s,
            u"INIT"_s,
            {},
            u"2026-12-07T18:44:36.752+08:00"_s,
            u"4ecbe6e68d44f9d476f6edc993b80d0f"_s,
            u"d9cda95b652f4a15"_s,
            QJsonObject {{u"amount"_s, 4000},
                         {u"appId"_s, u"venue-booking"_s},
                         {u"status"_s, u"INIT"_s},
                         {u"version"_s, 0}},
            u"2026-12-07T18:44:36.753+08:00"_s};
}

/// Not yet on the stream, with a payload that is no JSON (kept as text).
const char UnpublishedEventJson[] = R"json({"at":"2026-12-07T18:44:36.764+08:00","id":"2",
"payload":"not json","prevStatus":"INIT","spanId":"5fb397be34d26b51","status":"PAYING",
"traceId":"79a6e37a20462d129e57379fc4226d7b"})json";

OrderEvent unpublishedEvent()
{
    return {u"2"_s,
            u"PAYING"_s,
            u"INIT"_s,
            u"2026-12-07T18:44:36.764+08:00"_s,
            u"79a6e37a20462d129e57379fc4226d7b"_s,
            u"5fb397be34d26b51"_s,
            u"not json"_s,
            {}};
}

const char FinishedRefundJson[] = R"json({"amount":100,"channel":"ECARD",
"channelRefundNo":"ER2026120718444005632743","createdAt":"2026-12-07T18:44:40.968+08:00",
"finishedAt":"2026-12-07T18:44:40.971+08:00","id":"388279643798970369","initiator":"ADMIN",
"outRefundNo":"admin-388279643798970368","reason":"partial","status":"SUCCESS"})json";

Refund finishedRefund()
{
    return {u"388279643798970369"_s,
            u"admin-388279643798970368"_s,
            100,
            u"partial"_s,
            u"SUCCESS"_s,
            u"ADMIN"_s,
            u"2026-12-07T18:44:40.968+08:00"_s,
            u"2026-12-07T18:44:40.971+08:00"_s,
            u"ECARD"_s,
            u"ER2026120718444005632743"_s};
}

const char ProcessingRefundJson[] = R"json({"amount":100,"channel":"WECHAT_JSAPI",
"channelRefundNo":"","createdAt":"2026-12-07T18:44:40.968+08:00","id":"5","initiator":"APP",
"outRefundNo":"R-1","reason":"","status":"PROCESSING"})json";

Refund processingRefund()
{
    return {u"5"_s,
            u"R-1"_s,
            100,
            {},
            u"PROCESSING"_s,
            u"APP"_s,
            u"2026-12-07T18:44:40.968+08:00"_s,
            {},
            u"WECHAT_JSAPI"_s,
            {}};
}

const char CallbackJson[] = R"json({"channel":"ECARD","eventType":"PAY_SUCCESS","id":"1",
"notifyId":"EN2026120718443672397996","outcome":"APPLIED",
"payload":{"amount":4000,"trade_no":"ET2026120718443618323863","trade_state":"SUCCESS"},
"receivedAt":"2026-12-07T18:44:36.772+08:00"})json";

ChannelCallback callback()
{
    return {u"1"_s,
            u"ECARD"_s,
            u"PAY_SUCCESS"_s,
            u"APPLIED"_s,
            u"2026-12-07T18:44:36.772+08:00"_s,
            u"EN2026120718443672397996"_s,
            QJsonObject {{u"amount"_s, 4000},
                         {u"trade_no"_s, u"ET2026120718443618323863"_s},
                         {u"trade_state"_s, u"SUCCESS"_s}}};
}

const char SignedBookingJson[] = R"json({"amount":4000,
"createdAt":"2026-12-07T18:44:36.744+08:00","date":"2026-12-08","endTime":"11:00",
"id":"388279626082230272","payOrderId":"388279626115784704","startTime":"09:00","status":"PAID",
"updatedAt":"2026-12-07T18:44:36.783+08:00","userId":"1","venueId":1})json";

Booking signedBooking()
{
    return {u"388279626082230272"_s,
            u"PAID"_s,
            1,
            u"2026-12-08"_s,
            u"09:00"_s,
            u"11:00"_s,
            4000,
            u"388279626115784704"_s,
            u"1"_s,
            u"2026-12-07T18:44:36.744+08:00"_s,
            u"2026-12-07T18:44:36.783+08:00"_s};
}

const char UnsignedBookingJson[] = R"json({"amount":2000,
"createdAt":"2026-12-07T18:44:36.958+08:00","date":"2026-12-08","endTime":"19:00",
"id":"388279626979811328","startTime":"18:00","status":"PENDING_PAYMENT",
"updatedAt":"2026-12-07T18:44:36.958+08:00","userId":"1","venueId":1})json";

Booking unsignedBooking()
{
    Booking b {u"388279626979811328"_s,
               u"PENDING_PAYMENT"_s,
               1,
               u"2026-12-08"_s,
               u"18:00"_s,
               u"19:00"_s,
               2000,
               {},
               u"1"_s,
               u"2026-12-07T18:44:36.958+08:00"_s,
               {}};
    b.updatedAt = b.createdAt;
    return b;
}

// ---- Notifications ----

const char AnsweredAttemptJson[] = R"json({"at":"2026-12-07T18:44:36.773+08:00","attempt":1,
"durationMs":58,"error":"","httpStatus":200,"responseExcerpt":"{\"code\":\"SUCCESS\"}"})json";

NotificationAttempt answeredAttempt()
{
    return {1, u"2026-12-07T18:44:36.773+08:00"_s, 200, 58, {}, uR"({"code":"SUCCESS"})"_s};
}

const char TimedOutAttemptJson[] = R"json({"at":"2026-12-07T18:44:37.773+08:00","attempt":2,
"durationMs":5000,"error":"timeout","responseExcerpt":""})json";

NotificationAttempt timedOutAttempt()
{
    return {2, u"2026-12-07T18:44:37.773+08:00"_s, 0, 5000, u"timeout"_s, {}};
}

const char DeliveredNotificationJson[] = R"json({"appId":"venue-booking","attempts":1,
"createdAt":"2026-12-07T18:44:36.772+08:00","deliveredAt":"2026-12-07T18:44:36.773+08:00",
"eventId":"3","history":[{"at":"2026-12-07T18:44:36.773+08:00","attempt":1,"durationMs":58,
"error":"","httpStatus":200,"responseExcerpt":"{\"code\":\"SUCCESS\"}"}],"id":"1","lastError":"",
"lastHttpStatus":200,"orderId":"388279626115784704","orderStatus":"PAID","state":"DELIVERED",
"updatedAt":"2026-12-07T18:44:36.773+08:00",
"url":"http://127.0.0.1:36245/api/v1/pay-notify"})json";

Notification deliveredNotification()
{
    Notification n;
    n.id = u"1"_s;
    n.orderId = u"388279626115784704"_s;
    n.appId = u"venue-booking"_s;
    n.orderStatus = u"PAID"_s;
    n.url = u"http://127.0.0.1:36245/api/v1/pay-notify"_s;
    n.state = u"DELIVERED"_s;
    n.attempts = 1;
    n.lastHttpStatus = 200;
    n.createdAt = u"2026-12-07T18:44:36.772+08:00"_s;
    n.updatedAt = u"2026-12-07T18:44:36.773+08:00"_s;
    n.history = {answeredAttempt()};
    n.eventId = u"3"_s;
    n.deliveredAt = u"2026-12-07T18:44:36.773+08:00"_s;
    return n;
}

/// Pending after a resend: the next attempt is there, and so is the earlier delivery.
const char PendingNotificationJson[] = R"json({"appId":"venue-booking","attempts":0,
"createdAt":"2026-12-07T18:44:36.772+08:00","deliveredAt":"2026-12-07T18:44:36.773+08:00",
"eventId":"3","history":[],"id":"1","lastError":"","lastHttpStatus":200,
"nextAttemptAt":"2026-12-07T18:44:40.995+08:00","orderId":"388279626115784704",
"orderStatus":"PAID","state":"PENDING","updatedAt":"2026-12-07T18:44:40.995+08:00",
"url":"http://127.0.0.1:36245/api/v1/pay-notify"})json";

Notification pendingNotification()
{
    Notification n = deliveredNotification();
    n.state = u"PENDING"_s;
    n.attempts = 0;
    n.history.clear();
    n.updatedAt = u"2026-12-07T18:44:40.995+08:00"_s;
    n.nextAttemptAt = u"2026-12-07T18:44:40.995+08:00"_s;
    return n;
}

const char FailedNotificationJson[] = R"json({"appId":"utility-topup","attempts":2,
"createdAt":"2026-12-07T18:44:36.772+08:00","eventId":"4","history":[
{"at":"2026-12-07T18:44:37.773+08:00","attempt":2,"durationMs":5000,"error":"timeout",
"responseExcerpt":""}],"id":"2","lastError":"timeout","orderId":"388279626963034112",
"orderStatus":"CLOSED","state":"FAILED","updatedAt":"2026-12-07T18:44:42.773+08:00",
"url":"https://shop.example.com/notify"})json";

Notification failedNotification()
{
    Notification n;
    n.id = u"2"_s;
    n.orderId = u"388279626963034112"_s;
    n.appId = u"utility-topup"_s;
    n.orderStatus = u"CLOSED"_s;
    n.url = u"https://shop.example.com/notify"_s;
    n.state = u"FAILED"_s;
    n.attempts = 2;
    n.lastError = u"timeout"_s;
    n.createdAt = u"2026-12-07T18:44:36.772+08:00"_s;
    n.updatedAt = u"2026-12-07T18:44:42.773+08:00"_s;
    n.history = {timedOutAttempt()};
    n.eventId = u"4"_s;
    return n;
}

// ---- Operations ----

const char GroupJson[] = R"json({"consumerList":[{"idleMs":8,"name":"vm-7072","pending":0}],
"consumers":1,"entriesRead":9,"lag":0,"lastDeliveredId":"1796640280972-0","name":"push-notifier",
"pending":0})json";

ConsumerGroup group()
{
    return {u"push-notifier"_s, 1, 0, 0, u"1796640280972-0"_s, 9, {{u"vm-7072"_s, 0, 8}}};
}

/// Entries deleted past the group: Redis cannot tell how far behind it is.
const char UnknownLagGroupJson[] = R"json({"consumerList":[],"consumers":0,"entriesRead":null,
"lag":null,"lastDeliveredId":"0-0","name":"status-tracker","pending":3})json";

const char StreamJson[] = R"json({"deadLetter":{"entries":[{"fields":{"orderId":"9"},
"id":"1796640280000-0"}],"length":1,"stream":"pomelo:order-events:dead"},
"entries":[{"fields":{"amount":"4000","eventId":"9","orderId":"388279626115784704",
"status":"PAID"},"id":"1796640280972-0"}],"groups":[{"consumerList":[{"idleMs":8,
"name":"vm-7072","pending":0}],"consumers":1,"entriesRead":9,"lag":0,
"lastDeliveredId":"1796640280972-0","name":"push-notifier","pending":0}],
"lastGeneratedId":"1796640280972-0","length":9,"stream":"pomelo:order-events"})json";

StreamInfo stream()
{
    StreamInfo s;
    s.stream = u"pomelo:order-events"_s;
    s.length = 9;
    s.lastGeneratedId = u"1796640280972-0"_s;
    s.groups = {group()};
    s.entries = {{u"1796640280972-0"_s,
                  {{u"amount"_s, u"4000"_s},
                   {u"eventId"_s, u"9"_s},
                   {u"orderId"_s, u"388279626115784704"_s},
                   {u"status"_s, u"PAID"_s}}}};
    s.deadLetterStream = u"pomelo:order-events:dead"_s;
    s.deadLetterLength = 1;
    s.deadLetters = {{u"1796640280000-0"_s, {{u"orderId"_s, u"9"_s}}}};
    return s;
}

const char QueuesJson[] = R"json({"queues":[{"items":[{"attempts":0,
"dueAt":"2026-12-07T18:59:36.752+08:00","member":"388279626115784704",
"payload":"388279626115784704","state":"SCHEDULED"},{"attempts":2,"member":"388279626870759424",
"payload":"388279626870759424","state":"PROCESSING",
"visibleAgainAt":"2026-12-07T19:00:06.932+08:00"}],"key":"pomelo:delay:order-timeout",
"name":"order-timeout","processing":1,"scheduled":1},{"items":[],
"key":"pomelo:delay:booking-expiry","name":"booking-expiry","processing":0,"scheduled":0}]})json";

QList<DelayedQueueInfo> delayedQueues()
{
    const QString timeout = u"order-timeout"_s;
    return {{timeout,
             u"pomelo:delay:order-timeout"_s,
             1,
             1,
             {{timeout, u"388279626115784704"_s, u"388279626115784704"_s, u"SCHEDULED"_s,
               u"2026-12-07T18:59:36.752+08:00"_s, 0},
              {timeout, u"388279626870759424"_s, u"388279626870759424"_s, u"PROCESSING"_s,
               u"2026-12-07T19:00:06.932+08:00"_s, 2}}},
            {u"booking-expiry"_s, u"pomelo:delay:booking-expiry"_s, 0, 0, {}}};
}

const char LocksJson[] = R"json({"locks":[{"key":"pomelo:venue_booking:1:2026-12-08:09:00-11:00",
"owners":[{"holds":1,"owner":"vm-7072:12"}],"ttlMs":4200},{"key":"pomelo:paying:5",
"owners":[{"holds":2,"owner":"a"},{"holds":1,"owner":"b"}],"ttlMs":100}]})json";

QList<LockEntry> locks()
{
    return {{u"pomelo:venue_booking:1:2026-12-08:09:00-11:00"_s, {{u"vm-7072:12"_s, 1}}, 4200},
            {u"pomelo:paying:5"_s, {{u"a"_s, 2}, {u"b"_s, 1}}, 100}};
}

// ---- Audit and payment exceptions ----

const char AuditJson[] = R"json({"action":"notification.resend_failed","actor":"admin",
"at":"2026-12-07T18:44:40.998+08:00","details":{"count":0,"outcome":"ok",
"traceId":"2e3417c6040ad0c38c1fea2c93f8f039"},"id":"10","reason":"r",
"remoteAddress":"127.0.0.1","target":"app:venue-booking"})json";

AuditEntry auditEntry()
{
    return {u"10"_s,
            u"2026-12-07T18:44:40.998+08:00"_s,
            u"admin"_s,
            u"notification.resend_failed"_s,
            u"app:venue-booking"_s,
            u"r"_s,
            u"127.0.0.1"_s,
            {{u"count"_s, 0},
             {u"outcome"_s, u"ok"_s},
             {u"traceId"_s, u"2e3417c6040ad0c38c1fea2c93f8f039"_s}}};
}

const char ResolvedExceptionJson[] = R"json({"channel":"ECARD",
"channelRefundNo":"ER2026120718443600112735","channelTradeNo":"ET2026120718443613809640",
"createdAt":"2026-12-07T18:44:36.951+08:00","currency":"CNY",
"detail":"paid after the order was CLOSED","id":"388279626950451200","orderAmount":2000,
"orderId":"388279626870759424","outTradeNo":"388279626870759424","paidAmount":2000,
"reason":"LATE","refundAttempts":1,"refundedAt":"2026-12-07T18:44:36.957+08:00",
"resolution":"settled","resolvedAt":"2026-12-07T18:44:41.008+08:00","resolvedBy":"admin",
"state":"RESOLVED","updatedAt":"2026-12-07T18:44:41.008+08:00"})json";

PaymentExceptionItem resolvedException()
{
    PaymentExceptionItem e;
    e.id = u"388279626950451200"_s;
    e.channel = u"ECARD"_s;
    e.channelTradeNo = u"ET2026120718443613809640"_s;
    e.outTradeNo = u"388279626870759424"_s;
    e.orderId = u"388279626870759424"_s;
    e.paidAmount = 2000;
    e.orderAmount = 2000;
    e.currency = u"CNY"_s;
    e.reason = u"LATE"_s;
    e.detail = u"paid after the order was CLOSED"_s;
    e.state = u"RESOLVED"_s;
    e.refundAttempts = 1;
    e.channelRefundNo = u"ER2026120718443600112735"_s;
    e.resolvedBy = u"admin"_s;
    e.resolution = u"settled"_s;
    e.createdAt = u"2026-12-07T18:44:36.951+08:00"_s;
    e.updatedAt = u"2026-12-07T18:44:41.008+08:00"_s;
    e.refundedAt = u"2026-12-07T18:44:36.957+08:00"_s;
    e.resolvedAt = u"2026-12-07T18:44:41.008+08:00"_s;
    return e;
}

/// Naming no order of ours, still refunding: no orderId, no orderAmount, no settlement yet.
const char RefundingExceptionJson[] = R"json({"channel":"WECHAT_JSAPI","channelTradeNo":"",
"createdAt":"2026-12-07T18:44:36.951+08:00","currency":"CNY","detail":"","id":"8",
"lastError":"timeout","nextRefundAt":"2026-12-07T18:45:36.951+08:00","outTradeNo":"nope",
"paidAmount":1,"reason":"UNKNOWN_ORDER","refundAttempts":3,"state":"REFUNDING",
"updatedAt":"2026-12-07T18:44:36.951+08:00"})json";

PaymentExceptionItem refundingException()
{
    PaymentExceptionItem e;
    e.id = u"8"_s;
    e.channel = u"WECHAT_JSAPI"_s;
    e.outTradeNo = u"nope"_s;
    e.paidAmount = 1;
    e.currency = u"CNY"_s;
    e.reason = u"UNKNOWN_ORDER"_s;
    e.state = u"REFUNDING"_s;
    e.refundAttempts = 3;
    e.nextRefundAt = u"2026-12-07T18:45:36.951+08:00"_s;
    e.lastError = u"timeout"_s;
    e.createdAt = u"2026-12-07T18:44:36.951+08:00"_s;
    e.updatedAt = e.createdAt;
    return e;
}

// ---- Utility top-ups ----

/// Paid, the first delivery attempt failed, the next one due: no credit yet.
const char RetryingTopupJson[] = R"json({"amount":2000,"attempts":1,"building":"竹园1栋",
"channel":"ECARD","createdAt":"2026-12-07T18:44:36.951+08:00",
"deliveryStartedAt":"2026-12-07T18:44:37.105+08:00","expiresAt":"2026-12-07T18:59:36.951+08:00",
"id":"388279626950451200","lastError":"3001 水电系统繁忙","nextAttemptAt":"2026-12-07T18:45:37.105+08:00",
"paidAt":"2026-12-07T18:44:37.100+08:00","payOrderId":"388279626870759424","room":"101",
"roomId":"ZY1-101","status":"PAID","updatedAt":"2026-12-07T18:44:37.120+08:00",
"userId":"388279620412346368","utility":"ELECTRICITY"})json";

Topup retryingTopup()
{
    Topup t;
    t.id = u"388279626950451200"_s;
    t.status = u"PAID"_s;
    t.roomId = u"ZY1-101"_s;
    t.building = u"竹园1栋"_s;
    t.room = u"101"_s;
    t.utility = u"ELECTRICITY"_s;
    t.amount = 2000;
    t.expiresAt = u"2026-12-07T18:59:36.951+08:00"_s;
    t.createdAt = u"2026-12-07T18:44:36.951+08:00"_s;
    t.updatedAt = u"2026-12-07T18:44:37.120+08:00"_s;
    t.payOrderId = u"388279626870759424"_s;
    t.channel = u"ECARD"_s;
    t.paidAt = u"2026-12-07T18:44:37.100+08:00"_s;
    t.userId = u"388279620412346368"_s;
    t.attempts = 1;
    t.lastError = u"3001 水电系统繁忙"_s;
    t.nextAttemptAt = u"2026-12-07T18:45:37.105+08:00"_s;
    t.deliveryStartedAt = u"2026-12-07T18:44:37.105+08:00"_s;
    return t;
}

/// Every optional field set (a delivered top-up keeps the error of an earlier attempt).
Topup fullTopup()
{
    Topup t = retryingTopup();
    t.status = u"DELIVERED"_s;
    t.balanceAfter = 7000;
    t.failureReason = u"水电系统繁忙"_s;
    t.deliveredAt = u"2026-12-07T18:45:38.002+08:00"_s;
    return t;
}

/// Just created: none of the optional fields.
const char PendingTopupJson[] = R"json({"amount":1000,"attempts":0,"building":"竹园1栋",
"createdAt":"2026-12-07T18:44:36.951+08:00","expiresAt":"2026-12-07T18:59:36.951+08:00",
"id":"5","room":"102","roomId":"ZY1-102","status":"PENDING_PAYMENT",
"updatedAt":"2026-12-07T18:44:36.951+08:00","userId":"7","utility":"WATER"})json";

Topup pendingTopup()
{
    Topup t;
    t.id = u"5"_s;
    t.status = u"PENDING_PAYMENT"_s;
    t.roomId = u"ZY1-102"_s;
    t.building = u"竹园1栋"_s;
    t.room = u"102"_s;
    t.utility = u"WATER"_s;
    t.amount = 1000;
    t.expiresAt = u"2026-12-07T18:59:36.951+08:00"_s;
    t.createdAt = u"2026-12-07T18:44:36.951+08:00"_s;
    t.updatedAt = t.createdAt;
    t.userId = u"7"_s;
    return t;
}

TopupStudent alice()
{
    return {u"388279620412346368"_s, u"o-alice"_s, u"T0012"_s, u"alice"_s, u"13800138000"_s, {}};
}

const char AliceJson[] = R"json({"name":"alice","openId":"o-alice","phone":"13800138000",
"studentId":"T0012","userId":"388279620412346368"})json";

QList<TopupEvent> topupEvents()
{
    return {{u"2026-12-07T18:44:36.951+08:00"_s,
             u"TRANSITION"_s,
             u"system"_s,
             {},
             u"PENDING_PAYMENT"_s,
             u"created"_s},
            {u"2026-12-07T18:44:37.100+08:00"_s,
             u"TRANSITION"_s,
             u"pay-notify"_s,
             u"PENDING_PAYMENT"_s,
             u"PAID"_s,
             {}},
            {u"2026-12-07T18:44:37.120+08:00"_s,
             u"ATTEMPT"_s,
             u"system"_s,
             {},
             {},
             u"3001 水电系统繁忙"_s}};
}

const char TopupEventsJson[] = R"json([{"actor":"system","at":"2026-12-07T18:44:36.951+08:00",
"detail":"created","kind":"TRANSITION","to":"PENDING_PAYMENT"},{"actor":"pay-notify",
"at":"2026-12-07T18:44:37.100+08:00","from":"PENDING_PAYMENT","kind":"TRANSITION","to":"PAID"},
{"actor":"system","at":"2026-12-07T18:44:37.120+08:00","detail":"3001 水电系统繁忙",
"kind":"ATTEMPT"}])json";

/// @p topupJson with `extra` (a text of `"key":value,` pairs) inserted at its start.
QByteArray withKeys(const char *topupJson, const QByteArray &extra)
{
    QByteArray json = topupJson;
    json.insert(1, extra);
    return json;
}

// ---- Dashboard ----

const char StaffDashboardJson[] = R"json({"date":"2026-12-07",
"from":"2026-12-07T00:00:00.000+08:00","netAmount":3500,"orders":{"CLOSED":1,"INIT":1,"PAID":1},
"ordersTotal":3,"paidAmount":4000,"refundedAmount":500})json";

DashboardSummary staffDashboard()
{
    DashboardSummary d;
    d.date = u"2026-12-07"_s;
    d.from = u"2026-12-07T00:00:00.000+08:00"_s;
    d.orders = {{u"CLOSED"_s, 1}, {u"INIT"_s, 1}, {u"PAID"_s, 1}};
    d.ordersTotal = 3;
    d.paidAmount = 4000;
    d.refundedAmount = 500;
    d.netAmount = 3500;
    return d;
}

const char AdminDashboardJson[] = R"json({"date":"2026-12-07",
"from":"2026-12-07T00:00:00.000+08:00","netAmount":3500,
"notifications":{"DELIVERED":1,"FAILED":2,"PENDING":3},
"orders":{"CLOSED":1,"INIT":1,"PAID":1},"ordersTotal":3,"paidAmount":4000,"refundedAmount":500,
"paymentExceptions":{"REFUNDED":1,"REFUNDING":0,"REFUND_FAILED":0},
"queues":{"booking-expiry":{"processing":0,"scheduled":8},
"order-timeout":{"processing":1,"scheduled":2}},"stream":{"deadLetterLength":0,"lag":null,
"length":9,"pending":4,"stream":"pomelo:order-events"}})json";

DashboardSummary adminDashboard()
{
    DashboardSummary d = staffDashboard();
    d.hasInfrastructure = true;
    d.streamName = u"pomelo:order-events"_s;
    d.streamLength = 9;
    d.streamPending = 4;
    d.queues = {{u"booking-expiry"_s, {8, 0}}, {u"order-timeout"_s, {2, 1}}};
    d.notifications = {{u"DELIVERED"_s, 1}, {u"FAILED"_s, 2}, {u"PENDING"_s, 3}};
    d.paymentExceptions = {{u"REFUNDED"_s, 1}, {u"REFUNDING"_s, 0}, {u"REFUND_FAILED"_s, 0}};
    // What fromJson() adds up for the console's tiles.
    d.queuedScheduled = 10;
    d.queuedProcessing = 1;
    d.notificationsPending = 3;
    d.notificationsFailed = 2;
    return d;
}

// ---- Live feed ----

const char StatsJson[] = R"json({"notifications":{"DELIVERED":5,"FAILED":2,"PENDING":1},
"paymentExceptions":{"REFUNDED":1,"REFUNDING":0,"REFUND_FAILED":4},
"queues":{"booking-expiry":{"processing":0,"scheduled":6},
"order-timeout":{"processing":1,"scheduled":3}},"type":"stats"})json";

LiveStats stats()
{
    LiveStats s;
    s.queues = {{u"booking-expiry"_s, {6, 0}}, {u"order-timeout"_s, {3, 1}}};
    s.notifications = {{u"DELIVERED"_s, 5}, {u"FAILED"_s, 2}, {u"PENDING"_s, 1}};
    s.paymentExceptions = {{u"REFUNDED"_s, 1}, {u"REFUNDING"_s, 0}, {u"REFUND_FAILED"_s, 4}};
    s.orderTimeoutScheduled = 3;
    s.bookingExpiryScheduled = 6;
    s.notificationsPending = 1;
    s.notificationsFailed = 2;
    return s;
}

} // namespace

class TestAdminTypes : public QObject
{
    Q_OBJECT

private slots:
    void session_data();
    void session() { checkWire(); }
    void orders_data();
    void orders() { checkWire(); }
    void orderDetail_data();
    void orderDetail() { checkWire(); }
    void orderActions_data();
    void orderActions() { checkWire(); }
    void notifications_data();
    void notifications() { checkWire(); }
    void venueBoard_data();
    void venueBoard() { checkWire(); }
    void venuesAndClosures_data();
    void venuesAndClosures() { checkWire(); }
    void operations_data();
    void operations() { checkWire(); }
    void auditAndExceptions_data();
    void auditAndExceptions() { checkWire(); }
    void topups_data();
    void topups() { checkWire(); }
    void dashboard_data();
    void dashboard() { checkWire(); }
    void liveFeed_data();
    void liveFeed() { checkWire(); }
    void errorEnvelope();
};

void TestAdminTypes::session_data()
{
    addColumns();
    row("LoginResult",
        LoginResult {
            u"WgwUCGssYkvWFlCP7QUHf8jVTGmWHHNRZjx6pYKiw8Q"_s, u"admin"_s, u"admin"_s, 28800, {}},
        R"json({"expiresIn":28800,"role":"admin",
"token":"WgwUCGssYkvWFlCP7QUHf8jVTGmWHHNRZjx6pYKiw8Q","username":"admin"})json");
    row("LoginResult with a trace link",
        LoginResult {u"WgwUCGssYkvWFlCP7QUHf8jVTGmWHHNRZjx6pYKiw8Q"_s, u"staff1"_s, u"staff"_s,
                     28800, u"http://jaeger:16686/trace/{traceId}"_s},
        R"json({"expiresIn":28800,"role":"staff",
"token":"WgwUCGssYkvWFlCP7QUHf8jVTGmWHHNRZjx6pYKiw8Q",
"traceUrlTemplate":"http://jaeger:16686/trace/{traceId}","username":"staff1"})json");
    row("StaffIdentity", StaffIdentity {u"staff1"_s, u"staff"_s},
        R"json({"role":"staff","username":"staff1"})json");
}

void TestAdminTypes::orders_data()
{
    addColumns();
    row("AdminOrder paid, partly refunded", paidOrder(), PaidOrderJson);
    row("AdminOrder closed, paid late", closedOrder(), ClosedOrderJson);
    row("AdminOrder new, no channel, no student", newOrder(), NewOrderJson);
    const QByteArray page =
        "{\"items\":[" + QByteArray(NewOrderJson) + "],\"nextCursor\":\"MTc5\"}";
    row("Page<AdminOrder> with more", Page<AdminOrder> {{newOrder()}, u"MTc5"_s}, page.constData());
    row("Page<AdminOrder> last", Page<AdminOrder> {}, R"json({"items":[]})json");
}

void TestAdminTypes::orderDetail_data()
{
    addColumns();
    row("OrderEvent first, published", firstEvent(), FirstEventJson);
    row("OrderEvent unpublished, text payload", unpublishedEvent(), UnpublishedEventJson);
    row("Refund finished", finishedRefund(), FinishedRefundJson);
    row("Refund processing", processingRefund(), ProcessingRefundJson);
    row("ChannelCallback", callback(), CallbackJson);
    row("Booking signed", signedBooking(), SignedBookingJson);
    row("Booking not signed", unsignedBooking(), UnsignedBookingJson);

    OrderDetail full {
        paidOrder(),  {firstEvent(), unpublishedEvent()}, firstEvent().traceId, {finishedRefund()},
        {callback()}, {deliveredNotification()},          signedBooking()};
    const QByteArray fullJson = "{\"booking\":" + QByteArray(SignedBookingJson) + ",\"callbacks\":["
        + CallbackJson + "],\"events\":[" + FirstEventJson + "," + UnpublishedEventJson
        + "],\"notifications\":[" + DeliveredNotificationJson + "],\"order\":" + PaidOrderJson
        + ",\"refunds\":[" + FinishedRefundJson
        + "],\"traceId\":\"4ecbe6e68d44f9d476f6edc993b80d0f\"}";
    row("OrderDetail with everything", full, fullJson.constData());
    const QByteArray bareJson = "{\"callbacks\":[],\"events\":[],\"notifications\":[],\"order\":"
        + QByteArray(NewOrderJson) + ",\"refunds\":[],\"traceId\":\"\"}";
    row("OrderDetail bare", OrderDetail {newOrder(), {}, {}, {}, {}, {}, {}}, bareJson.constData());
}

void TestAdminTypes::orderActions_data()
{
    addColumns();
    const ChannelTradeState paid {u"PAID"_s, u"ET2026120718443618323863"_s, 4000,
                                  u"2026-12-07T18:44:36.000+08:00"_s};
    const char paidJson[] = R"json({"amount":4000,"paidAt":"2026-12-07T18:44:36.000+08:00",
"state":"PAID","tradeNo":"ET2026120718443618323863"})json";
    row("ChannelTradeState paid", paid, paidJson);
    const ChannelTradeState unknown {u"UNKNOWN"_s, {}, 0, {}};
    row("ChannelTradeState unknown", unknown,
        R"json({"amount":0,"state":"UNKNOWN","tradeNo":""})json");
    const QByteArray verify =
        "{\"channel\":" + QByteArray(paidJson) + ",\"order\":" + PaidOrderJson + "}";
    row("VerifyOrderResult", VerifyOrderResult {paidOrder(), paid}, verify.constData());
    const QByteArray refund =
        "{\"order\":" + QByteArray(PaidOrderJson) + ",\"refund\":" + FinishedRefundJson + "}";
    row("RefundOrderResult", RefundOrderResult {finishedRefund(), paidOrder()}, refund.constData());
    row("RenotifyResult", RenotifyResult {2, {u"1"_s, u"7"_s}},
        R"json({"notificationIds":["1","7"],"resent":2})json");
    row("RenotifyResult none", RenotifyResult {}, R"json({"notificationIds":[],"resent":0})json");
}

void TestAdminTypes::notifications_data()
{
    addColumns();
    row("NotificationAttempt answered", answeredAttempt(), AnsweredAttemptJson);
    row("NotificationAttempt without answer", timedOutAttempt(), TimedOutAttemptJson);
    row("Notification delivered", deliveredNotification(), DeliveredNotificationJson);
    row("Notification pending again", pendingNotification(), PendingNotificationJson);
    row("Notification failed, never answered", failedNotification(), FailedNotificationJson);
    const NotificationList list {{{failedNotification()}, u"MTc5"_s},
                                 {{u"DELIVERED"_s, 2}, {u"FAILED"_s, 1}, {u"PENDING"_s, 0}}};
    const QByteArray listJson =
        R"json({"counts":{"DELIVERED":2,"FAILED":1,"PENDING":0},"items":[)json"
        + QByteArray(FailedNotificationJson) + "],\"nextCursor\":\"MTc5\"}";
    row("NotificationList", list, listJson.constData());
    row("NotificationList empty", NotificationList {}, R"json({"counts":{},"items":[]})json");
}

void TestAdminTypes::venueBoard_data()
{
    addColumns();
    const BoardSlot free {u"08:00"_s, u"09:00"_s, u"FREE"_s, {}, {}, {}, {}, {}, {}};
    const char freeJson[] = R"json({"endTime":"09:00","startTime":"08:00","state":"FREE"})json";
    row("BoardSlot free", free, freeJson);
    const BoardSlot held {u"09:00"_s, u"10:00"_s, u"BOOKED"_s,    u"388279626082230272"_s,
                          u"PAID"_s,  u"李华"_s,  u"B22040101"_s, u"o-alice"_s,
                          u"1"_s};
    const char heldJson[] = R"json({"bookingId":"388279626082230272","bookingStatus":"PAID",
"endTime":"10:00","startTime":"09:00","state":"BOOKED","user":{"id":"1","name":"李华",
"openId":"o-alice","studentId":"B22040101"}})json";
    row("BoardSlot held", held, heldJson);
    // A user who never bound a student id still has an openId; its name and id are sent empty.
    const BoardSlot unbound {u"16:00"_s, u"17:00"_s, u"HELD"_s,  u"9"_s, u"PENDING_PAYMENT"_s,
                             {},         {},         u"o-bob"_s, u"2"_s};
    row("BoardSlot held by an unbound user", unbound,
        R"json({"bookingId":"9","bookingStatus":"PENDING_PAYMENT","endTime":"17:00",
"startTime":"16:00","state":"HELD","user":{"id":"2","name":"","openId":"o-bob",
"studentId":""}})json");
    const BoardSlot unknownUser {u"18:00"_s, u"19:00"_s, u"HELD"_s, u"10"_s, u"PENDING_PAYMENT"_s,
                                 {},         {},         {},        u"3"_s};
    row("BoardSlot held by a user not found", unknownUser,
        R"json({"bookingId":"10","bookingStatus":"PENDING_PAYMENT","endTime":"19:00",
"startTime":"18:00","state":"HELD","user":{"id":"3"}})json");
    const BoardVenue venue {1, u"羽毛球场 1 号"_s, u"badminton"_s, {free, held}};
    const QByteArray venueJson = R"json({"id":1,"name":"羽毛球场 1 号","slots":[)json"
        + QByteArray(freeJson) + "," + heldJson + "],\"sport\":\"badminton\"}";
    row("BoardVenue", venue, venueJson.constData());
    const QByteArray board = "{\"date\":\"2026-12-08\",\"venues\":[" + venueJson + "]}";
    row("VenueBoard", VenueBoard {u"2026-12-08"_s, {venue}}, board.constData());
    row("VenueBoard without venues", VenueBoard {u"2026-12-08"_s, {}},
        R"json({"date":"2026-12-08","venues":[]})json");
}

void TestAdminTypes::venuesAndClosures_data()
{
    addColumns();
    const AdminVenue venue {7,
                            u"羽毛球场 3 号"_s,
                            u"badminton"_s,
                            u"08:00"_s,
                            u"22:00"_s,
                            60,
                            3000,
                            true,
                            u"2026-12-07T14:02:11.120+08:00"_s};
    row("AdminVenue", venue,
        R"json({"active":true,"createdAt":"2026-12-07T14:02:11.120+08:00","id":7,
"name":"羽毛球场 3 号","openFrom":"08:00","openTo":"22:00","pricePerSlot":3000,"slotMinutes":60,
"sport":"badminton"})json");
    const VenueInput create {u"游泳馆"_s, u"swimming"_s, u"06:30"_s,   u"24:00"_s,
                             45,          1500,          std::nullopt, {}};
    row("VenueInput (POST)", create,
        R"json({"name":"游泳馆","openFrom":"06:30","openTo":"24:00","pricePerSlot":1500,
"slotMinutes":45,"sport":"swimming"})json");
    const VenueInput edit {u"游泳馆"_s, u"swimming"_s, u"06:30"_s, u"22:00"_s,
                           45,          1500,          false,      u"冬季闭馆"_s};
    row("VenueInput (PUT)", edit,
        R"json({"active":false,"name":"游泳馆","openFrom":"06:30","openTo":"22:00",
"pricePerSlot":1500,"reason":"冬季闭馆","slotMinutes":45,"sport":"swimming"})json");
    const ClosureInput whole {
        u"2026-12-10T00:00:00+08:00"_s, u"2026-12-12T00:00:00+08:00"_s, {}, {}, {}, u"校运会"_s};
    row("ClosureInput (a date range)", whole,
        R"json({"from":"2026-12-10T00:00:00+08:00","reason":"校运会",
"to":"2026-12-12T00:00:00+08:00"})json");
    const ClosureInput weekly {u"2026-12-07T00:00:00+08:00"_s,
                               u"2027-01-18T00:00:00+08:00"_s,
                               {3, 5},
                               u"14:00"_s,
                               u"16:00"_s,
                               u"地板维护"_s};
    row("ClosureInput (weekly hours)", weekly,
        R"json({"dailyFrom":"14:00","dailyTo":"16:00","days":[3,5],
"from":"2026-12-07T00:00:00+08:00","reason":"地板维护","to":"2027-01-18T00:00:00+08:00"})json");
    const VenueClosure pending {4,
                                7,
                                u"2026-12-07T00:00:00+08:00"_s,
                                u"2027-01-18T00:00:00+08:00"_s,
                                {3, 5},
                                u"14:00"_s,
                                u"16:00"_s,
                                u"地板维护"_s,
                                u"PENDING_CONFIRMATION"_s,
                                u"staff1"_s,
                                u"2026-12-07T14:05:00.000+08:00"_s,
                                {},
                                {},
                                {}};
    const char pendingJson[] = R"json({"createdAt":"2026-12-07T14:05:00.000+08:00",
"createdBy":"staff1","dailyFrom":"14:00","dailyTo":"16:00","days":[3,5],
"from":"2026-12-07T00:00:00+08:00","id":4,"reason":"地板维护","state":"PENDING_CONFIRMATION",
"to":"2027-01-18T00:00:00+08:00","venueId":7})json";
    row("VenueClosure pending", pending, pendingJson);
    VenueClosure confirmed = pending;
    confirmed.days = {};
    confirmed.dailyFrom.clear();
    confirmed.dailyTo.clear();
    confirmed.state = u"CONFIRMED"_s;
    confirmed.confirmedBy = u"admin"_s;
    confirmed.confirmedAt = u"2026-12-07T14:06:00.000+08:00"_s;
    confirmed.confirmReason = u"已通知学生"_s;
    const char confirmedJson[] = R"json({"confirmReason":"已通知学生",
"confirmedAt":"2026-12-07T14:06:00.000+08:00","confirmedBy":"admin",
"createdAt":"2026-12-07T14:05:00.000+08:00","createdBy":"staff1",
"from":"2026-12-07T00:00:00+08:00","id":4,"reason":"地板维护","state":"CONFIRMED",
"to":"2027-01-18T00:00:00+08:00","venueId":7})json";
    row("VenueClosure confirmed", confirmed, confirmedJson);
    const AffectedBooking affected {u"388279626082230272"_s,
                                    u"1"_s,
                                    u"o-alice"_s,
                                    u"2026-12-09"_s,
                                    u"14:00"_s,
                                    u"15:00"_s,
                                    u"PAID"_s,
                                    3000};
    const char affectedJson[] = R"json({"amount":3000,"bookingId":"388279626082230272",
"date":"2026-12-09","endTime":"15:00","openId":"o-alice","startTime":"14:00","status":"PAID",
"userId":"1"})json";
    row("AffectedBooking", affected, affectedJson);
    const QByteArray detail = QByteArray(R"json({"affectedBookings":1,"bookings":[)json")
        + affectedJson + "],\"closure\":" + pendingJson + ",\"id\":4}";
    row("ClosureDetail", ClosureDetail {pending, {affected}}, detail.constData());
    const ClosureOutcome refunded {u"388279626082230272"_s, u"REFUNDED"_s, u"REFUNDED"_s, 0};
    const ClosureOutcome failed {u"388279626082230273"_s, u"FAILED"_s, u"REFUNDING"_s, 3001};
    const QByteArray confirm = QByteArray("{\"closure\":") + confirmedJson
        + R"json(,"results":[{"bookingId":"388279626082230272","outcome":"REFUNDED",
"status":"REFUNDED"},{"bookingId":"388279626082230273","code":3001,"outcome":"FAILED",
"status":"REFUNDING"}]})json";
    row("ClosureConfirmResult", ClosureConfirmResult {confirmed, {refunded, failed}},
        confirm.constData());
    row("LiveVenueEvent (closure)",
        LiveVenueEvent {u"venue.closure.create"_s, 7, 4, u"staff1"_s,
                        u"2026-12-07T14:05:00.000+08:00"_s},
        R"json({"action":"venue.closure.create","actor":"staff1",
"at":"2026-12-07T14:05:00.000+08:00","closureId":4,"type":"venue-event","venueId":7})json");
    row("LiveVenueEvent (venue)",
        LiveVenueEvent {u"venue.update"_s, 7, 0, u"admin"_s, u"2026-12-07T14:07:00.000+08:00"_s},
        R"json({"action":"venue.update","actor":"admin","at":"2026-12-07T14:07:00.000+08:00",
"type":"venue-event","venueId":7})json");
}

void TestAdminTypes::operations_data()
{
    addColumns();
    row("StreamConsumer", StreamConsumer {u"vm-7072"_s, 2, 8},
        R"json({"idleMs":8,"name":"vm-7072","pending":2})json");
    row("ConsumerGroup", group(), GroupJson);
    row("ConsumerGroup lag unknown",
        ConsumerGroup {u"status-tracker"_s, 0, 3, -1, u"0-0"_s, -1, {}}, UnknownLagGroupJson);
    row("StreamInfo", stream(), StreamJson);
    StreamInfo unwritten;
    unwritten.stream = u"pomelo:order-events"_s;
    unwritten.deadLetterStream = u"pomelo:order-events:dead"_s;
    row("StreamInfo never written to", unwritten,
        R"json({"deadLetter":{"entries":[],"length":0,"stream":"pomelo:order-events:dead"},
"entries":[],"groups":[],"length":0,"stream":"pomelo:order-events"})json");
    DelayedItem processing = delayedQueues().first().items.at(1);
    processing.queue.clear(); // the queue's name is the queue's, not the item's
    row("DelayedItem processing", processing,
        R"json({"attempts":2,"member":"388279626870759424","payload":"388279626870759424",
"state":"PROCESSING","visibleAgainAt":"2026-12-07T19:00:06.932+08:00"})json");
    row("QueueDepth", QueueDepth {8, 1}, R"json({"processing":1,"scheduled":8})json");
    QTest::newRow("queues") << QByteArray(QueuesJson)
                            << wire(delayedQueues(), &queuesToJson, &queuesFromJson);
    QTest::newRow("queues none") << QByteArray(R"json({"queues":[]})json")
                                 << wire(QList<DelayedQueueInfo> {}, &queuesToJson,
                                         &queuesFromJson);
    QTest::newRow("locks") << QByteArray(LocksJson) << wire(locks(), &locksToJson, &locksFromJson);
    QTest::newRow("locks none") << QByteArray(R"json({"locks":[]})json")
                                << wire(QList<LockEntry> {}, &locksToJson, &locksFromJson);
}

void TestAdminTypes::auditAndExceptions_data()
{
    addColumns();
    row("AuditEntry", auditEntry(), AuditJson);
    row("AuditEntry without reason or details",
        AuditEntry {u"1"_s,
                    u"2026-12-07T18:00:00.000+08:00"_s,
                    u"staff1"_s,
                    u"login"_s,
                    {},
                    {},
                    u"127.0.0.1"_s,
                    {}},
        R"json({"action":"login","actor":"staff1","at":"2026-12-07T18:00:00.000+08:00",
"details":{},"id":"1","reason":"","remoteAddress":"127.0.0.1","target":""})json");
    row("PaymentExceptionItem resolved", resolvedException(), ResolvedExceptionJson);
    row("PaymentExceptionItem refunding, unknown order", refundingException(),
        RefundingExceptionJson);
    PaymentExceptionItem zeroOrder = refundingException();
    zeroOrder.orderAmount = 0; // there, although 0
    QByteArray zeroJson = RefundingExceptionJson;
    zeroJson.replace("\"outTradeNo\"", "\"orderAmount\":0,\"outTradeNo\"");
    row("PaymentExceptionItem order amount 0", zeroOrder, zeroJson.constData());
    const QByteArray page = "{\"items\":[" + QByteArray(ResolvedExceptionJson) + "]}";
    row("Page<PaymentExceptionItem>", Page<PaymentExceptionItem> {{resolvedException()}, {}},
        page.constData());
}

void TestAdminTypes::topups_data()
{
    addColumns();
    row("Topup retrying", retryingTopup(), RetryingTopupJson);
    row("Topup pending, no optional field", pendingTopup(), PendingTopupJson);
    row("Topup every optional field", fullTopup(),
        withKeys(RetryingTopupJson,
                 R"("balanceAfter":7000,"deliveredAt":"2026-12-07T18:45:38.002+08:00",)"
                 R"("failureReason":"水电系统繁忙",)")
            .replace("\"status\":\"PAID\"", "\"status\":\"DELIVERED\"")
            .constData());
    Topup zeroBalance = fullTopup();
    zeroBalance.balanceAfter = 0; // there, although 0
    row("Topup balance after 0", zeroBalance,
        withKeys(RetryingTopupJson,
                 R"("balanceAfter":0,"deliveredAt":"2026-12-07T18:45:38.002+08:00",)"
                 R"("failureReason":"水电系统繁忙",)")
            .replace("\"status\":\"PAID\"", "\"status\":\"DELIVERED\"")
            .constData());
    const QByteArray page = "{\"items\":[" + QByteArray(RetryingTopupJson) + ","
        + QByteArray(PendingTopupJson) + "],\"nextCursor\":\"MTcw\"}";
    row("Page<Topup>", Page<Topup> {{retryingTopup(), pendingTopup()}, u"MTcw"_s},
        page.constData());
    row("TopupEvent of an attempt", topupEvents().at(2),
        R"json({"actor":"system","at":"2026-12-07T18:44:37.120+08:00",
"detail":"3001 水电系统繁忙","kind":"ATTEMPT"})json");
    row("TopupEvent of a transition", topupEvents().at(1),
        R"json({"actor":"pay-notify","at":"2026-12-07T18:44:37.100+08:00",
"from":"PENDING_PAYMENT","kind":"TRANSITION","to":"PAID"})json");
    row("TopupDetail", TopupDetail {retryingTopup(), alice(), topupEvents()},
        withKeys(RetryingTopupJson,
                 R"("events":)" + QByteArray(TopupEventsJson) + "," + R"("student":)"
                     + QByteArray(AliceJson) + ",")
            .constData());
    // The student's user is gone: `student: {}`.
    row("TopupDetail without student or events", TopupDetail {pendingTopup(), std::nullopt, {}},
        withKeys(PendingTopupJson, R"("events":[],"student":{},)").constData());
    TopupStudent bound = alice();
    bound.boundAt = u"2026-12-01T09:00:00.000+08:00"_s;
    RoomDetail room;
    room.roomId = u"ZY1-101"_s;
    room.building = u"竹园1栋"_s;
    room.room = u"101"_s;
    room.electricity = 7000;
    room.water = 3000;
    room.powerOn = true;
    room.students = {bound};
    room.topups = {retryingTopup()};
    const QByteArray roomJson =
        R"json({"building":"竹园1栋","electricity":7000,"powerOn":true,"room":"101",
"roomId":"ZY1-101","students":[{"boundAt":"2026-12-01T09:00:00.000+08:00","name":"alice",
"openId":"o-alice","phone":"13800138000","studentId":"T0012","userId":"388279620412346368"}],
"topups":[)json"
        + QByteArray(RetryingTopupJson) + R"json(],"water":3000})json";
    row("RoomDetail", room, roomJson.constData());
    // Power cut at zero balance; and a room nobody bound while the utility system is down.
    row("RoomDetail power off", RoomDetail {u"ZY1-102"_s, {}, {}, 0, 0, false, {}, {}, {}},
        R"json({"electricity":0,"powerOn":false,"roomId":"ZY1-102","students":[],"topups":[],
"water":0})json");
    row("RoomDetail without balances",
        RoomDetail {u"ZY1-103"_s, {}, {}, {}, {}, {}, u"3001 busy"_s, {}, {}},
        R"json({"balanceError":"3001 busy","roomId":"ZY1-103","students":[],"topups":[]})json");
}

void TestAdminTypes::dashboard_data()
{
    addColumns();
    row("DashboardSummary of staff", staffDashboard(), StaffDashboardJson);
    row("DashboardSummary of admins", adminDashboard(), AdminDashboardJson);
}

void TestAdminTypes::liveFeed_data()
{
    addColumns();
    LiveOrderEvent first {u"1796640276753-0"_s,
                          u"1"_s,
                          u"388279626115784704"_s,
                          u"venue-booking"_s,
                          u"388279626082230272"_s,
                          u"INIT"_s,
                          {},
                          4000,
                          u"2026-12-07T18:44:36.752+08:00"_s,
                          u"4ecbe6e68d44f9d476f6edc993b80d0f"_s,
                          u"o-alice"_s};
    row("LiveOrderEvent first", first,
        R"json({"amount":4000,"appId":"venue-booking","at":"2026-12-07T18:44:36.752+08:00",
"eventId":"1","openId":"o-alice","orderId":"388279626115784704",
"outTradeNo":"388279626082230272","status":"INIT","streamId":"1796640276753-0",
"traceId":"4ecbe6e68d44f9d476f6edc993b80d0f","type":"order-event"})json");
    LiveOrderEvent later = first;
    later.prevStatus = u"INIT"_s;
    later.status = u"PAYING"_s;
    later.openId.clear();
    row("LiveOrderEvent later, no openId", later,
        R"json({"amount":4000,"appId":"venue-booking","at":"2026-12-07T18:44:36.752+08:00",
"eventId":"1","orderId":"388279626115784704","outTradeNo":"388279626082230272",
"prevStatus":"INIT","status":"PAYING","streamId":"1796640276753-0",
"traceId":"4ecbe6e68d44f9d476f6edc993b80d0f","type":"order-event"})json");
    row("LiveStats", stats(), StatsJson);
    row("LiveStats of an older server", LiveStats {},
        R"json({"notifications":{},"paymentExceptions":{},"queues":{},"type":"stats"})json");
    row("LivePaymentException",
        LivePaymentException {u"7212345678901234567"_s, u"LATE"_s, u"ECARD"_s, 1500,
                              u"7212345678901234000"_s},
        R"json({"channel":"ECARD","id":"7212345678901234567","orderId":"7212345678901234000",
"paidAmount":1500,"reason":"LATE","type":"payment-exception"})json");
    row("LivePaymentException of no order",
        LivePaymentException {u"3"_s, u"UNKNOWN_ORDER"_s, u"WECHAT_JSAPI"_s, 1, {}},
        R"json({"channel":"WECHAT_JSAPI","id":"3","paidAmount":1,"reason":"UNKNOWN_ORDER",
"type":"payment-exception"})json");
}

void TestAdminTypes::errorEnvelope()
{
    const ApiError e {409, 4090, u"冲突"_s, u"4ecbe6e68d44f9d476f6edc993b80d0f"_s};
    const QByteArray body = compact(e.toJson());
    QCOMPARE(body,
             QByteArray(
                 R"({"code":4090,"message":"冲突","traceId":"4ecbe6e68d44f9d476f6edc993b80d0f"})"));
    QVERIFY(errorFromReply(409, body, {}) == e);
}

QTEST_GUILESS_MAIN(TestAdminTypes)
#include "test_admintypes.moc"
