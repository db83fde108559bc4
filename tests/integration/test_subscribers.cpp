// Tests server/workers/statustracker.* and pushnotifier.*: the two consumer groups of
// `pomelo:order-events` against a real redis-server — the tracked status never moves backwards
// with shuffled or repeated entries, user messages are deduplicated per event, newest first.
#include "redis/rediskeys.h"
#include "redis/redisstream.h"
#include "redisserver.h"
#include "telemetry/exporters.h"
#include "telemetry/trace.h"
#include "testsupport.h"
#include "workers/outboxrelay.h"
#include "workers/pushnotifier.h"
#include "workers/statustracker.h"

#include <QRandomGenerator>
#include <QScopeGuard>
#include <QTest>

#include <algorithm>
#include <random>

using namespace pomelo;
using namespace pomelo::test;

namespace {

StreamEntry entry(qint64 eventId, qint64 orderId, const char *status, const char *openId = "o-bob")
{
    StreamEntry e;
    e.id = QByteArray::number(eventId) + "-0";
    e.fields = {{streamfields::EventId, QByteArray::number(eventId)},
                {streamfields::OrderId, QByteArray::number(orderId)},
                {streamfields::AppId, "venue-booking"},
                {streamfields::OutTradeNo, "B-" + QByteArray::number(orderId)},
                {streamfields::Status, status},
                {streamfields::Amount, "2050"},
                {streamfields::At, QByteArray::number(1700000000000 + eventId)}};
    if (*openId)
        e.fields.append(qMakePair(QByteArray(streamfields::OpenId), QByteArray(openId)));
    return e;
}

} // namespace

class TestSubscribers : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        m_redis = std::make_unique<RedisServer>();
        QVERIFY(m_redis->start());
        const RedisOptions o = redisOptionsFor(*m_redis, 2000); // the RedisOptions defaults
        m_pool = std::make_unique<RedisPool>(o);
    }
    void cleanup()
    {
        m_pool.reset();
        m_redis.reset();
    }

    void statusNeverBackwards_data();
    void statusNeverBackwards();
    void statusThroughTheGroup();
    void messagesDeduplicated();
    void messagesThroughTheGroup();
    void inboxKeepsNewest100();
    void messageTexts_data();
    void messageTexts();
    void groupsLabelTheirProcessSpans();

private:
    std::unique_ptr<RedisServer> m_redis;
    std::unique_ptr<RedisPool> m_pool;
    RedisKeys m_keys {QByteArrayLiteral("t:")};
};

void TestSubscribers::statusNeverBackwards_data()
{
    QTest::addColumn<uint>("seed");
    for (uint seed : {1u, 2u, 3u, 42u, 1234u})
        QTest::addRow("seed %u", seed) << seed;
}

void TestSubscribers::statusNeverBackwards()
{
    QFETCH(uint, seed);
    StatusTracker tracker(*m_pool, m_keys, "test");
    const qint64 order = 77;
    const QList<std::pair<qint64, const char *>> events = {
        {10, "INIT"}, {11, "PAYING"}, {15, "PAID"}, {20, "REFUNDING"}, {31, "REFUNDED"}};
    QList<StreamEntry> deliveries;
    for (const auto &[id, status] : events) {
        deliveries << entry(id, order, status) << entry(id, order, status); // repeated
    }
    std::mt19937 rng(seed);
    std::shuffle(deliveries.begin(), deliveries.end(), rng);
    qint64 seen = 0;
    for (const StreamEntry &e : deliveries) {
        QVERIFY(tracker.handle(e));
        const std::optional<TrackedStatus> s = StatusTracker::read(*m_pool, m_keys, order);
        QVERIFY(s);
        QVERIFY2(s->eventId >= seen, "moved backwards");
        seen = std::max(seen, e.value(streamfields::EventId).toLongLong());
        QCOMPARE(s->eventId, seen);
    }
    const std::optional<TrackedStatus> last = StatusTracker::read(*m_pool, m_keys, order);
    QCOMPARE(last->status, QStringLiteral("REFUNDED"));
    QCOMPARE(last->eventId, 31);
    QCOMPARE(last->updatedAt, 1700000000031);
    QVERIFY(!StatusTracker::read(*m_pool, m_keys, 78));
    // A malformed entry is dropped (acked), not retried forever.
    StreamEntry bad;
    bad.fields = {{streamfields::Status, "PAID"}};
    QVERIFY(tracker.handle(bad));
}

void TestSubscribers::statusThroughTheGroup()
{
    StreamPublisher publisher(*m_pool, m_keys.orderEventsStream());
    // Out of order in the stream too (two relays on two instances, or a re-publication).
    publisher.publish(entry(5, 1, "PAYING").fields);
    publisher.publish(entry(9, 1, "PAID").fields);
    publisher.publish(entry(5, 1, "PAYING").fields);
    publisher.publish(entry(4, 1, "INIT").fields);
    publisher.publish(entry(6, 2, "PAYING").fields);
    StatusTracker tracker(*m_pool, m_keys, "c1");
    tracker.start();
    QVERIFY(waitUntil([&] { return tracker.consumer().handledCount() == 5; }, 10000));
    QCOMPARE(StatusTracker::read(*m_pool, m_keys, 1)->status, QStringLiteral("PAID"));
    QCOMPARE(StatusTracker::read(*m_pool, m_keys, 2)->status, QStringLiteral("PAYING"));
    publisher.publish(entry(12, 2, "CLOSED").fields);
    QVERIFY(waitUntil(
        [&] { return StatusTracker::read(*m_pool, m_keys, 2)->status == QLatin1String("CLOSED"); },
        10000));
    tracker.stop();
    // Everything acked: nothing pending in the group.
    const RedisReply pending =
        m_pool->command({"XPENDING", m_keys.orderEventsStream(), RedisKeys::statusTrackerGroup()});
    QCOMPARE(pending.at(0).toInteger(), 0);
}

void TestSubscribers::messagesDeduplicated()
{
    PushNotifier notifier(*m_pool, m_keys, "test");
    for (int i = 0; i < 3; ++i)
        QVERIFY(notifier.handle(entry(21, 5, "PAID")));
    QVERIFY(notifier.handle(entry(20, 5, "PAYING"))); // no message for PAYING
    QVERIFY(notifier.handle(entry(22, 6, "CLOSED")));
    QVERIFY(notifier.handle(entry(22, 6, "CLOSED")));
    QVERIFY(notifier.handle(entry(23, 7, "FAILED", ""))); // nobody to tell
    const QList<QJsonObject> inbox = PushNotifier::inbox(*m_pool, m_keys, QStringLiteral("o-bob"));
    QCOMPARE(inbox.size(), 2);
    QCOMPARE(inbox.at(0).value(QStringLiteral("title")).toString(), QStringLiteral("订单已关闭"));
    QCOMPARE(inbox.at(0).value(QStringLiteral("orderId")).toString(), QStringLiteral("6"));
    QCOMPARE(inbox.at(1).value(QStringLiteral("title")).toString(), QStringLiteral("支付成功"));
    QCOMPARE(inbox.at(1).value(QStringLiteral("orderId")).toString(), QStringLiteral("5"));
    QVERIFY(inbox.at(1).value(QStringLiteral("body")).toString().contains(QLatin1String("20.50")));
    QVERIFY(!inbox.at(1).value(QStringLiteral("at")).toString().isEmpty());
    QVERIFY(PushNotifier::inbox(*m_pool, m_keys, QStringLiteral("o-nobody")).isEmpty());
}

void TestSubscribers::messagesThroughTheGroup()
{
    StreamPublisher publisher(*m_pool, m_keys.orderEventsStream());
    publisher.publish(entry(1, 1, "INIT", "o-carol").fields);
    publisher.publish(entry(2, 1, "PAYING", "o-carol").fields);
    publisher.publish(entry(3, 1, "PAID", "o-carol").fields);
    publisher.publish(entry(3, 1, "PAID", "o-carol").fields); // published twice by the relay
    PushNotifier notifier(*m_pool, m_keys, "c1");
    notifier.start();
    QVERIFY(waitUntil([&] { return notifier.consumer().handledCount() == 4; }, 10000));
    notifier.stop();
    // A second consumer of the group (another instance) re-reading the same entry adds nothing.
    PushNotifier other(*m_pool, m_keys, "c2");
    QVERIFY(other.handle(entry(3, 1, "PAID", "o-carol")));
    const QList<QJsonObject> inbox =
        PushNotifier::inbox(*m_pool, m_keys, QStringLiteral("o-carol"));
    QCOMPARE(inbox.size(), 1);
    QCOMPARE(inbox.first().value(QStringLiteral("title")).toString(), QStringLiteral("支付成功"));
}

// Both groups handle an entry in a process span of the publisher's trace, labelled with the
// order (order.id, order.status).
void TestSubscribers::groupsLabelTheirProcessSpans()
{
    auto exporter = std::make_shared<InMemorySpanExporter>();
    Tracer::instance().setExporters({exporter});
    const auto reset = qScopeGuard([] { Tracer::instance().setExporters({}); });
    StatusTracker tracker(*m_pool, m_keys, "c1");
    PushNotifier notifier(*m_pool, m_keys, "c1");
    tracker.start();
    notifier.start();
    QVERIFY(tracker.consumer().waitReady(5000) && notifier.consumer().waitReady(5000));
    SpanContext request;
    {
        ScopedSpan span(QStringLiteral("POST /api/v1/pay-notify"), SpanKind::Server);
        request = span.context();
        StreamPublisher(*m_pool, m_keys.orderEventsStream())
            .publish(entry(31, 1790000000000000001, "PAID").fields);
    }
    const QString name = QString::fromUtf8(m_keys.orderEventsStream()) + QStringLiteral(" process");
    QList<SpanData> processes;
    QVERIFY(waitUntil([&] {
        processes.clear();
        for (const SpanData &s : exporter->spans()) {
            if (s.name == name)
                processes << s;
        }
        return processes.size() == 2;
    }));
    tracker.stop();
    notifier.stop();
    QSet<QString> groups;
    for (const SpanData &s : processes) {
        QCOMPARE(s.traceId, request.traceId);
        QCOMPARE(s.status, SpanStatus::Unset);
        QCOMPARE(s.attributes.value(QStringLiteral("order.id")).toString(),
                 QStringLiteral("1790000000000000001"));
        QCOMPARE(s.attributes.value(QStringLiteral("order.status")).toString(),
                 QStringLiteral("PAID"));
        groups << s.attributes.value(QStringLiteral("messaging.consumer.group.name")).toString();
    }
    QCOMPARE(groups,
             (QSet<QString> {QString::fromUtf8(RedisKeys::statusTrackerGroup()),
                             QString::fromUtf8(RedisKeys::pushNotifierGroup())}));
}

void TestSubscribers::inboxKeepsNewest100()
{
    PushNotifier notifier(*m_pool, m_keys, "test");
    for (int i = 1; i <= 130; ++i)
        QVERIFY(notifier.handle(entry(i, 1000 + i, "PAID")));
    const QList<QJsonObject> inbox = PushNotifier::inbox(*m_pool, m_keys, QStringLiteral("o-bob"));
    QCOMPARE(inbox.size(), 100);
    QCOMPARE(inbox.first().value(QStringLiteral("orderId")).toString(), QStringLiteral("1130"));
    QCOMPARE(inbox.last().value(QStringLiteral("orderId")).toString(), QStringLiteral("1031"));
}

void TestSubscribers::messageTexts_data()
{
    QTest::addColumn<QString>("status");
    QTest::addColumn<QString>("title");
    QTest::newRow("PAID") << QStringLiteral("PAID") << QStringLiteral("支付成功");
    QTest::newRow("CLOSED") << QStringLiteral("CLOSED") << QStringLiteral("订单已关闭");
    QTest::newRow("FAILED") << QStringLiteral("FAILED") << QStringLiteral("支付失败");
    QTest::newRow("INIT") << QStringLiteral("INIT") << QString();
    QTest::newRow("PAYING") << QStringLiteral("PAYING") << QString();
}

void TestSubscribers::messageTexts()
{
    QFETCH(QString, status);
    QFETCH(QString, title);
    const std::optional<UserMessage> m =
        PushNotifier::messageFor(status, QStringLiteral("B-1"), 100);
    QCOMPARE(m ? m->title : QString(), title);
}

QTEST_GUILESS_MAIN(TestSubscribers)
#include "test_subscribers.moc"
