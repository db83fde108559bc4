#include "domain/errors.h"
#include "redis/redisstream.h"
#include "redisserver.h"
#include "telemetry/exporters.h"
#include "telemetry/logging.h"
#include "telemetry/metrics.h"
#include "telemetry/trace.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>

#include <mutex>
#include <vector>

using namespace pomelo;
using pomelo::test::RedisServer;
using pomelo::test::waitUntil;

namespace {

StreamConsumerOptions consumerOptions(const QByteArray &group, const QByteArray &consumer)
{
    StreamConsumerOptions options;
    options.stream = "pomelo:order-events";
    options.group = group;
    options.consumer = consumer;
    options.blockMs = 200;
    options.claimIntervalMs = 50;
    options.minIdleMs = 200;
    options.maxDeliveries = 3;
    return options;
}

// What a handler saw, thread-safe.
struct Seen
{
    void add(const StreamEntry &e)
    {
        std::lock_guard lock(mutex);
        ids.append(e.id);
        deliveries.append(e.deliveries);
    }
    QList<QByteArray> idList() const
    {
        std::lock_guard lock(mutex);
        return ids;
    }
    qsizetype size() const
    {
        std::lock_guard lock(mutex);
        return ids.size();
    }
    mutable std::mutex mutex;
    QList<QByteArray> ids;
    QList<qint64> deliveries;
};

StreamFields orderEvent(int n)
{
    return {{"orderId", QByteArray::number(n)}, {"status", "PAID"}};
}

// Spans of @p exporter named @p name, and (when not empty) whose @p attribute is @p value.
QList<SpanData> spansNamed(const InMemorySpanExporter &exporter, const QString &name,
                           const QString &attribute = {}, const QString &value = {})
{
    QList<SpanData> out;
    for (const SpanData &s : exporter.spans()) {
        if (s.name == name
            && (attribute.isEmpty() || s.attributes.value(attribute).toString() == value))
            out << s;
    }
    return out;
}

// The span context current while a handler ran, per group (thread-safe).
struct HandlerContexts
{
    void add(const QByteArray &group, const StreamEntry &e)
    {
        std::lock_guard lock(mutex);
        contexts.insert(group, currentSpanContext());
        traceparents.insert(group, e.value("traceparent"));
    }
    qsizetype size() const
    {
        std::lock_guard lock(mutex);
        return contexts.size();
    }
    mutable std::mutex mutex;
    QHash<QByteArray, SpanContext> contexts;
    QHash<QByteArray, QByteArray> traceparents;
};

} // namespace

class TestRedisStream : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_server.start());
        m_pool = std::make_unique<RedisPool>(redisOptionsFor(m_server));
    }
    void init() { m_pool->command({"FLUSHALL"}); }
    void cleanupTestCase() { m_pool.reset(); }

    void publishAndConsume()
    {
        StreamPublisher publisher(*m_pool, "pomelo:order-events");
        Seen seen;
        StreamConsumer consumer(redisOptionsFor(m_server), consumerOptions("status-tracker", "c1"),
                                [&](const StreamEntry &e) {
                                    if (e.value("status") != "PAID")
                                        return false;
                                    seen.add(e);
                                    return true;
                                });
        consumer.start();
        QVERIFY(consumer.waitReady(5000));
        const QByteArray id = publisher.publish(orderEvent(1));
        QVERIFY(id.contains('-'));
        const QList<QByteArray> batch = publisher.publishBatch({orderEvent(2), orderEvent(3)});
        QCOMPARE(batch.size(), 2);
        QVERIFY(waitUntil([&] { return seen.size() == 3; }));
        QCOMPARE(seen.idList(), (QList<QByteArray> {id, batch.at(0), batch.at(1)}));
        QCOMPARE(seen.deliveries, (QList<qint64> {1, 1, 1}));
        QVERIFY(waitUntil([&] {
            return m_pool->command({"XPENDING", "pomelo:order-events", "status-tracker"})
                       .at(0)
                       .toInteger()
                == 0;
        }));
        QCOMPARE(consumer.handledCount(), 3u);
    }

    // publish → receive → process with one trace id, across two groups: the publish is a child
    // of the entry's own traceparent (the outbox row's), each group's receive a child of the
    // publish, its process a child of the receive and the handler's current context.
    void tracedChainAcrossTwoGroups()
    {
        auto exporter = std::make_shared<InMemorySpanExporter>();
        Tracer::instance().setExporters({exporter});
        const auto reset = qScopeGuard([] { Tracer::instance().setExporters({}); });
        const SpanContext request {TraceId::random(), SpanId::random()};
        HandlerContexts seen;
        std::vector<std::unique_ptr<StreamConsumer>> consumers;
        for (const QByteArray group : {"status-tracker", "push-notifier"}) {
            StreamConsumerOptions options = consumerOptions(group, "c");
            options.spanAttributeFields = {{"orderId", QStringLiteral("order.id")},
                                           {"status", QStringLiteral("order.status")}};
            consumers.push_back(std::make_unique<StreamConsumer>(
                redisOptionsFor(m_server), options, [&seen, group](const StreamEntry &e) {
                    seen.add(group, e);
                    return true;
                }));
            consumers.back()->start();
            QVERIFY(consumers.back()->waitReady(5000));
        }
        StreamPublisher publisher(*m_pool, "pomelo:order-events");
        StreamFields fields = orderEvent(42);
        fields.append(qMakePair(QByteArray("traceparent"), request.toTraceparent()));
        const QByteArray id =
            publisher.publish(fields, {{QStringLiteral("order.id"), QStringLiteral("42")}});
        QVERIFY(waitUntil([&] {
            return seen.size() == 2
                && spansNamed(*exporter, QStringLiteral("pomelo:order-events receive")).size() == 2;
        }));

        const QList<SpanData> publishes =
            spansNamed(*exporter, QStringLiteral("pomelo:order-events publish"));
        QCOMPARE(publishes.size(), 1);
        const SpanData &publish = publishes.first();
        QCOMPARE(publish.kind, SpanKind::Producer);
        QCOMPARE(publish.traceId, request.traceId);
        QCOMPARE(publish.parentSpanId, request.spanId);
        QCOMPARE(publish.attributes.value(QStringLiteral("messaging.system")).toString(),
                 QStringLiteral("redis"));
        QCOMPARE(publish.attributes.value(QStringLiteral("messaging.destination.name")).toString(),
                 QStringLiteral("pomelo:order-events"));
        QCOMPARE(publish.attributes.value(QStringLiteral("messaging.operation")).toString(),
                 QStringLiteral("publish"));
        QCOMPARE(publish.attributes.value(QStringLiteral("messaging.message.id")).toString(),
                 QString::fromUtf8(id));
        QCOMPARE(publish.attributes.value(QStringLiteral("order.id")).toString(),
                 QStringLiteral("42"));

        for (const QByteArray group : {"status-tracker", "push-notifier"}) {
            const QString groupName = QString::fromUtf8(group);
            // The entry carries the publish span's context, not the request's.
            QCOMPARE(seen.traceparents.value(group), publish.context().toTraceparent());
            const QList<SpanData> receives =
                spansNamed(*exporter, QStringLiteral("pomelo:order-events receive"),
                           QStringLiteral("messaging.consumer.group.name"), groupName);
            QCOMPARE(receives.size(), 1);
            const SpanData &receive = receives.first();
            QCOMPARE(receive.kind, SpanKind::Consumer);
            QCOMPARE(receive.traceId, request.traceId);
            QCOMPARE(receive.parentSpanId, publish.spanId);
            QCOMPARE(receive.attributes.value(QStringLiteral("messaging.operation")).toString(),
                     QStringLiteral("receive"));
            QCOMPARE(receive.attributes.value(QStringLiteral("messaging.message.id")).toString(),
                     QString::fromUtf8(id));
            QCOMPARE(receive.attributes.value(QStringLiteral("messaging.redis.delivery_count"))
                         .toLongLong(),
                     1);
            const QList<SpanData> processes =
                spansNamed(*exporter, QStringLiteral("pomelo:order-events process"),
                           QStringLiteral("messaging.consumer.group.name"), groupName);
            QCOMPARE(processes.size(), 1);
            const SpanData &process = processes.first();
            QCOMPARE(process.kind, SpanKind::Consumer);
            QCOMPARE(process.traceId, request.traceId);
            QCOMPARE(process.parentSpanId, receive.spanId);
            QCOMPARE(process.status, SpanStatus::Unset);
            QCOMPARE(process.attributes.value(QStringLiteral("messaging.operation")).toString(),
                     QStringLiteral("process"));
            QCOMPARE(process.attributes.value(QStringLiteral("order.id")).toString(),
                     QStringLiteral("42"));
            QCOMPARE(process.attributes.value(QStringLiteral("order.status")).toString(),
                     QStringLiteral("PAID"));
            std::lock_guard lock(seen.mutex);
            QCOMPARE(seen.contexts.value(group), process.context());
        }
    }

    // An entry whose traceparent is absent or malformed is handled in a new root trace.
    void malformedTraceparentStartsNewRoot_data()
    {
        QTest::addColumn<QByteArray>("traceparent");
        QTest::newRow("absent") << QByteArray();
        QTest::newRow("garbage") << QByteArray("not-a-traceparent");
        QTest::newRow("all-zero trace id")
            << QByteArray("00-00000000000000000000000000000000-00f067aa0ba902b7-01");
        QTest::newRow("upper case")
            << QByteArray("00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01");
        QTest::newRow("version ff")
            << QByteArray("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    }
    void malformedTraceparentStartsNewRoot()
    {
        QFETCH(QByteArray, traceparent);
        auto exporter = std::make_shared<InMemorySpanExporter>();
        Tracer::instance().setExporters({exporter});
        const auto reset = qScopeGuard([] { Tracer::instance().setExporters({}); });
        HandlerContexts seen;
        StreamConsumer consumer(redisOptionsFor(m_server), consumerOptions("status-tracker", "c"),
                                [&](const StreamEntry &e) {
                                    seen.add("status-tracker", e);
                                    return true;
                                });
        consumer.start();
        QVERIFY(consumer.waitReady(5000));
        // Written as a foreign publisher would: the StreamPublisher would replace the field.
        QList<QByteArray> xadd {"XADD", "pomelo:order-events", "*", "orderId", "7"};
        if (!traceparent.isNull())
            xadd << "traceparent" << traceparent;
        m_pool->command(xadd).throwIfError("XADD");
        QVERIFY(waitUntil([&] {
            return spansNamed(*exporter, QStringLiteral("pomelo:order-events receive")).size() == 1;
        }));
        QCOMPARE(consumer.handledCount(), 1u);
        const SpanData receive =
            spansNamed(*exporter, QStringLiteral("pomelo:order-events receive")).first();
        QVERIFY(!receive.parentSpanId.isValid());
        QVERIFY(receive.traceId.isValid());
        const QList<SpanData> processes =
            spansNamed(*exporter, QStringLiteral("pomelo:order-events process"));
        QCOMPARE(processes.size(), 1);
        QCOMPARE(processes.first().traceId, receive.traceId);
        QCOMPARE(processes.first().parentSpanId, receive.spanId);
        std::lock_guard lock(seen.mutex);
        QCOMPARE(seen.contexts.value("status-tracker"), processes.first().context());
    }

    // The publisher given a malformed traceparent (and no current span) starts a new trace and
    // writes a valid traceparent in its place.
    void publisherReplacesMalformedTraceparent()
    {
        auto exporter = std::make_shared<InMemorySpanExporter>();
        Tracer::instance().setExporters({exporter});
        const auto reset = qScopeGuard([] { Tracer::instance().setExporters({}); });
        StreamPublisher publisher(*m_pool, "pomelo:order-events");
        StreamFields fields = orderEvent(1);
        fields.append(qMakePair(QByteArray("traceparent"), QByteArray("00-garbage")));
        const QByteArray id = publisher.publish(fields);
        const QList<SpanData> publishes =
            spansNamed(*exporter, QStringLiteral("pomelo:order-events publish"));
        QCOMPARE(publishes.size(), 1);
        QVERIFY(!publishes.first().parentSpanId.isValid());
        const RedisReply range = m_pool->command({"XRANGE", "pomelo:order-events", id, id});
        const StreamEntry entry = StreamConsumer::parseEntries(range).first();
        QCOMPARE(entry.value("traceparent"), publishes.first().context().toTraceparent());
        QCOMPARE(entry.fields.size(), 3); // replaced, not appended
    }

    // A handler that throws: its process span is an Error, and the consumer's log line about it
    // (JSON format) carries the entry's trace and the process span.
    void throwingHandlerLogsInsideItsSpan()
    {
        auto exporter = std::make_shared<InMemorySpanExporter>();
        Tracer::instance().setExporters({exporter});
        const auto reset = qScopeGuard([] { Tracer::instance().setExporters({}); });
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString logPath = dir.filePath(QStringLiteral("log.jsonl"));
        QVERIFY(installLogHandler(LogFormat::JsonLines, logPath));
        auto uninstall = qScopeGuard([] { uninstallLogHandler(); });
        const SpanContext request {TraceId::random(), SpanId::random()};
        std::atomic<int> calls {0};
        StreamConsumer consumer(redisOptionsFor(m_server), consumerOptions("status-tracker", "c"),
                                [&](const StreamEntry &) -> bool {
                                    ++calls;
                                    throw std::runtime_error("boom");
                                });
        consumer.start();
        QVERIFY(consumer.waitReady(5000));
        {
            const ContextScope scope(request);
            StreamPublisher(*m_pool, "pomelo:order-events").publish(orderEvent(3));
        }
        QVERIFY(waitUntil([&] {
            return !spansNamed(*exporter, QStringLiteral("pomelo:order-events receive")).isEmpty();
        }));
        consumer.stop();
        uninstall.dismiss();
        uninstallLogHandler();
        const SpanData process =
            spansNamed(*exporter, QStringLiteral("pomelo:order-events process")).first();
        QCOMPARE(process.status, SpanStatus::Error);
        QCOMPARE(process.statusMessage, QStringLiteral("boom"));
        QCOMPARE(process.traceId, request.traceId);

        QFile file(logPath);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QJsonObject line;
        for (const QByteArray &raw : file.readAll().split('\n')) {
            const QJsonObject o = QJsonDocument::fromJson(raw).object();
            if (o.value(QStringLiteral("message"))
                    .toString()
                    .contains(QLatin1String("threw: boom"))) {
                line = o;
                break;
            }
        }
        QVERIFY(!line.isEmpty());
        QCOMPARE(line.value(QStringLiteral("traceId")).toString(), request.traceId.toString());
        QCOMPARE(line.value(QStringLiteral("spanId")).toString(), process.spanId.toString());
    }

    void groupCreationIsIdempotent()
    {
        RedisConnection c(redisOptionsFor(m_server));
        StreamConsumer::ensureGroup(c, "s", "g");
        StreamConsumer::ensureGroup(c, "s", "g"); // BUSYGROUP is fine
        QCOMPARE(c.command({"XINFO", "GROUPS", "s"}).size(), 1);
        QCOMPARE(c.command({"TYPE", "s"}).toByteArray(), QByteArray("stream")); // MKSTREAM
    }

    void entryOfDeadConsumerIsClaimed()
    {
        StreamPublisher publisher(*m_pool, "pomelo:order-events");
        RedisConnection raw(redisOptionsFor(m_server));
        StreamConsumer::ensureGroup(raw, "pomelo:order-events", "status-tracker");
        const QByteArray id = publisher.publish(orderEvent(1));
        // A consumer reads the entry and dies before acking.
        const RedisReply read = raw.command({"XREADGROUP", "GROUP", "status-tracker", "dead-one",
                                             "COUNT", "10", "STREAMS", "pomelo:order-events", ">"});
        QCOMPARE(read.at(0).at(1).at(0).at(0).toByteArray(), id);

        Seen seen;
        StreamConsumer survivor(redisOptionsFor(m_server),
                                consumerOptions("status-tracker", "alive"),
                                [&](const StreamEntry &e) {
                                    seen.add(e);
                                    return true;
                                });
        survivor.start();
        QVERIFY(waitUntil([&] { return seen.size() == 1; }));
        QCOMPARE(seen.idList().first(), id);
        QCOMPARE(seen.deliveries.first(), 2); // the dead consumer's delivery, then the claim
        QVERIFY(survivor.claimedCount() >= 1u);
        QVERIFY(waitUntil([&] {
            return raw.command({"XPENDING", "pomelo:order-events", "status-tracker"})
                       .at(0)
                       .toInteger()
                == 0;
        }));
    }

    void deadConsumersWithoutPendingEntriesAreRemoved()
    {
        const QByteArray stream = "pomelo:order-events";
        const QByteArray group = "status-tracker";
        StreamPublisher publisher(*m_pool, stream);
        RedisConnection raw(redisOptionsFor(m_server));
        StreamConsumer::ensureGroup(raw, stream, group);
        const QByteArray id = publisher.publish(orderEvent(1));
        // Two dead instances: one died holding an entry, the other with nothing pending (it
        // touched the group after the first, so it is the less idle of the two).
        raw.command({"XREADGROUP", "GROUP", group, "dead-with-entry", "COUNT", "10", "STREAMS",
                     stream, ">"});
        QCOMPARE(raw.command({"XGROUP", "CREATECONSUMER", stream, group, "dead-empty"}).toInteger(),
                 1);

        // Live consumers that do not claim yet (minIdle 60 s) but remove consumers idle > 1 s.
        Seen seen;
        const auto handler = [&](const StreamEntry &e) {
            seen.add(e);
            return true;
        };
        auto options = [](const QByteArray &name, int minIdleMs) {
            StreamConsumerOptions o = consumerOptions("status-tracker", name);
            o.minIdleMs = minIdleMs;
            o.deadConsumerIdleMs = 1000;
            return o;
        };
        StreamConsumer keeper(redisOptionsFor(m_server), options("keeper", 60000), handler);
        StreamConsumer live(redisOptionsFor(m_server), options("live", 60000), handler);
        keeper.start();
        live.start();
        QVERIFY(keeper.waitReady(5000) && live.waitReady(5000));

        QVERIFY(waitUntil([&] { return !consumers(stream, group).contains("dead-empty"); }, 5000));
        // In the round that removed it, the one with an entry was idle longer: it is kept only
        // for its pending entry, which is still there.
        auto now = consumers(stream, group);
        QCOMPARE(now.value("dead-with-entry"), 1);
        QVERIFY(now.contains("keeper") && now.contains("live"));
        QVERIFY(waitUntil(
            [&] { return keeper.removedConsumerCount() + live.removedConsumerCount() == 1u; }));
        QCOMPARE(seen.size(), 0);

        // A consumer that claims: the entry moves to it, and then the dead consumer goes too.
        StreamConsumer claimer(redisOptionsFor(m_server), options("claimer", 200), handler);
        claimer.start();
        QVERIFY(
            waitUntil([&] { return !consumers(stream, group).contains("dead-with-entry"); }, 5000));
        QVERIFY(waitUntil([&] { return seen.size() == 1; }));
        QCOMPARE(seen.idList().first(), id); // claimed and handled, not dropped with its consumer
        QCOMPARE(claimer.claimedCount(), 1u);
        QVERIFY(waitUntil([&] {
            return raw.command({"XPENDING", stream, group}).at(0).toInteger() == 0;
        }));
        // The live ones were never removed, even once Redis 7.0 counts them idle (a blocking
        // read that finds nothing is no activity to it): their heartbeats keep them.
        QVERIFY(
            waitUntil([&] { return consumers(stream, group, "idle").value("live") > 1500; }, 5000));
        now = consumers(stream, group);
        QVERIFY(now.contains("keeper") && now.contains("live") && now.contains("claimer"));
        QCOMPARE(keeper.removedConsumerCount() + live.removedConsumerCount()
                     + claimer.removedConsumerCount(),
                 2u);
    }

    void consumerStoppedBeforeAckLosesNothing()
    {
        StreamPublisher publisher(*m_pool, "pomelo:order-events");
        std::atomic<int> failing {0};
        StreamConsumer first(redisOptionsFor(m_server), consumerOptions("push-notifier", "first"),
                             [&](const StreamEntry &) {
                                 ++failing;
                                 return false; // crashes mid-way, in effect
                             });
        first.start();
        QVERIFY(first.waitReady(5000));
        publisher.publish(orderEvent(1));
        QVERIFY(waitUntil([&] { return failing.load() >= 1; }));
        first.stop();

        Seen seen;
        StreamConsumer second(redisOptionsFor(m_server), consumerOptions("push-notifier", "second"),
                              [&](const StreamEntry &e) {
                                  seen.add(e);
                                  return true;
                              });
        second.start();
        QVERIFY(waitUntil([&] { return seen.size() == 1; }));
        QVERIFY(seen.deliveries.first() >= 2);
    }

    void ownPendingEntriesDrainedFirstOnStart()
    {
        StreamPublisher publisher(*m_pool, "pomelo:order-events");
        RedisConnection raw(redisOptionsFor(m_server));
        StreamConsumer::ensureGroup(raw, "pomelo:order-events", "status-tracker");
        const QByteArray id = publisher.publish(orderEvent(9));
        raw.command({"XREADGROUP", "GROUP", "status-tracker", "restarting", "STREAMS",
                     "pomelo:order-events", ">"});
        // The same consumer name comes back: it gets its entry at once, not after minIdle.
        StreamConsumerOptions options = consumerOptions("status-tracker", "restarting");
        options.minIdleMs = 60000;
        Seen seen;
        StreamConsumer consumer(redisOptionsFor(m_server), options, [&](const StreamEntry &e) {
            seen.add(e);
            return true;
        });
        QElapsedTimer timer;
        timer.start();
        consumer.start();
        QVERIFY(consumer.waitReady(5000));
        QCOMPARE(seen.idList(), QList<QByteArray> {id});
        QVERIFY(timer.elapsed() < 2000);
    }

    void twoGroupsEachSeeEveryEntry()
    {
        StreamPublisher publisher(*m_pool, "pomelo:order-events");
        Seen tracker, notifier;
        StreamConsumer a(redisOptionsFor(m_server), consumerOptions("status-tracker", "a"),
                         [&](const StreamEntry &e) {
                             tracker.add(e);
                             return true;
                         });
        StreamConsumer b(redisOptionsFor(m_server), consumerOptions("push-notifier", "b"),
                         [&](const StreamEntry &e) {
                             notifier.add(e);
                             return true;
                         });
        a.start();
        b.start();
        QVERIFY(a.waitReady(5000) && b.waitReady(5000));
        QList<QByteArray> ids;
        for (int i = 0; i < 200; ++i)
            ids << publisher.publish(orderEvent(i));
        QVERIFY(waitUntil([&] { return tracker.size() == 200 && notifier.size() == 200; }));
        QCOMPARE(tracker.idList(), ids);
        QCOMPARE(notifier.idList(), ids);
    }

    void twoConsumersOfOneGroupShareTheWork()
    {
        StreamPublisher publisher(*m_pool, "pomelo:order-events");
        Seen seen;
        auto handler = [&](const StreamEntry &e) {
            seen.add(e);
            return true;
        };
        StreamConsumer a(redisOptionsFor(m_server), consumerOptions("status-tracker", "a"),
                         handler);
        StreamConsumer b(redisOptionsFor(m_server), consumerOptions("status-tracker", "b"),
                         handler);
        a.start();
        b.start();
        QVERIFY(a.waitReady(5000) && b.waitReady(5000));
        for (int i = 0; i < 300; ++i)
            publisher.publish(orderEvent(i));
        QVERIFY(waitUntil([&] { return seen.size() >= 300; }));
        QList<QByteArray> ids = seen.idList();
        std::sort(ids.begin(), ids.end());
        QCOMPARE(std::unique(ids.begin(), ids.end()), ids.end()); // each exactly once
        // Counted after the ack, a moment after the handler returned.
        QVERIFY(waitUntil([&] { return a.handledCount() + b.handledCount() == 300u; }));
    }

    void deadLetteringAfterMaxDeliveries()
    {
        StreamPublisher publisher(*m_pool, "pomelo:order-events");
        std::atomic<int> attempts {0};
        std::atomic<int> observed {0};
        StreamConsumer consumer(redisOptionsFor(m_server), consumerOptions("push-notifier", "c"),
                                [&](const StreamEntry &e) {
                                    if (e.value("orderId") == "666") {
                                        ++attempts;
                                        return false; // poison
                                    }
                                    return true;
                                });
        consumer.setDeadLetterObserver([&](const StreamEntry &) { ++observed; });
        consumer.start();
        QVERIFY(consumer.waitReady(5000));
        const QByteArray poison = publisher.publish(orderEvent(666));
        publisher.publish(orderEvent(1));
        QVERIFY(waitUntil([&] { return consumer.deadLetterCount() == 1; }, 10000));
        QCOMPARE(attempts.load(), 3); // maxDeliveries
        // The observer runs after the count moves; wait for it rather than race it.
        QTRY_COMPARE(observed.load(), 1);
        const RedisReply dead = m_pool->command({"XRANGE", "pomelo:order-events:dead", "-", "+"});
        QCOMPARE(dead.size(), 1);
        const StreamEntry copy = StreamConsumer::parseEntries(dead).first();
        QCOMPARE(copy.value("orderId"), QByteArray("666"));
        QCOMPARE(copy.value("status"), QByteArray("PAID"));
        QCOMPARE(copy.value("dead-origin-id"), poison);
        QCOMPARE(copy.value("dead-group"), QByteArray("push-notifier"));
        QCOMPARE(copy.value("dead-deliveries"), QByteArray("4"));
        QCOMPARE(
            m_pool->command({"XPENDING", "pomelo:order-events", "push-notifier"}).at(0).toInteger(),
            0);
        QCOMPARE(consumer.handledCount(), 1u);
        // The metric behind the alert.
        const QList<QByteArray> lines = Metrics::instance().serialize().split('\n');
        const auto metric = std::find_if(lines.begin(), lines.end(), [](const QByteArray &l) {
            return l.startsWith("pomelo_stream_dead_letters_total{")
                && l.contains("group=\"push-notifier\"");
        });
        QVERIFY(metric != lines.end());
        QVERIFY2(metric->endsWith(" 1"), metric->constData());
    }

    void trimming()
    {
        StreamPublisher approximate(*m_pool, "approx", 100);
        StreamPublisher exact(*m_pool, "exact", 100, false);
        QList<StreamFields> batch;
        for (int i = 0; i < 1000; ++i)
            batch << orderEvent(i);
        for (const StreamFields &fields : batch)
            approximate.publish(fields);
        exact.publishBatch(batch);
        const qint64 approxLen = m_pool->command({"XLEN", "approx"}).toInteger();
        QVERIFY2(approxLen >= 100 && approxLen < 300, qPrintable(QString::number(approxLen)));
        QCOMPARE(m_pool->command({"XLEN", "exact"}).toInteger(), 100);
        // The newest entries are the ones kept.
        const RedisReply last = m_pool->command({"XREVRANGE", "exact", "+", "-", "COUNT", "1"});
        QCOMPARE(StreamConsumer::parseEntries(last).first().value("orderId"), QByteArray("999"));
    }

    void stopIsPromptDuringBlockedRead()
    {
        StreamConsumerOptions options = consumerOptions("g", "c");
        options.blockMs = 10000;
        StreamConsumer consumer(redisOptionsFor(m_server), options,
                                [](const StreamEntry &) { return true; });
        consumer.start();
        QVERIFY(consumer.waitReady(5000));
        RedisConnection admin(redisOptionsFor(m_server));
        QVERIFY(waitUntil([&] {
            return admin.command({"CLIENT", "LIST"}).toByteArray().contains("cmd=xreadgroup");
        }));
        QElapsedTimer timer;
        timer.start();
        consumer.stop();
        QVERIFY2(timer.elapsed() < 1000, qPrintable(QString::number(timer.elapsed())));
        QVERIFY(!consumer.isRunning());
    }

    void survivesRedisRestart()
    {
        RedisServer server({true, QStringLiteral("always"), {}});
        QVERIFY(server.start());
        RedisPool pool(redisOptionsFor(server));
        StreamPublisher publisher(pool, "pomelo:order-events");
        Seen seen;
        StreamConsumer consumer(redisOptionsFor(server), consumerOptions("status-tracker", "c"),
                                [&](const StreamEntry &e) {
                                    seen.add(e);
                                    return true;
                                });
        consumer.start();
        QVERIFY(consumer.waitReady(5000));
        publisher.publish(orderEvent(1));
        QVERIFY(waitUntil([&] { return seen.size() == 1; }));
        QVERIFY(server.restart());
        QVERIFY(waitUntil(
            [&] {
                try {
                    publisher.publish(orderEvent(2));
                    return true;
                } catch (const Error &) {
                    return false;
                }
            },
            5000));
        QVERIFY(waitUntil([&] { return seen.size() >= 2; }, 10000));
        QCOMPARE(seen.idList().size(), 2);
    }

private:
    // The group's consumers: name → pending count (or the XINFO CONSUMERS field @p field).
    QHash<QByteArray, qint64> consumers(const QByteArray &stream, const QByteArray &group,
                                        const QByteArray &field = "pending")
    {
        QHash<QByteArray, qint64> out;
        const RedisReply reply = m_pool->command({"XINFO", "CONSUMERS", stream, group});
        for (const RedisReply &c : reply.elements()) {
            QByteArray name;
            qint64 pending = -1;
            for (qsizetype i = 0; i + 1 < c.size(); i += 2) {
                if (c.at(i).toByteArray() == "name")
                    name = c.at(i + 1).toByteArray();
                else if (c.at(i).toByteArray() == field)
                    pending = c.at(i + 1).toInteger();
            }
            out.insert(name, pending);
        }
        return out;
    }

    RedisServer m_server;
    std::unique_ptr<RedisPool> m_pool;
};

QTEST_GUILESS_MAIN(TestRedisStream)
#include "test_redisstream.moc"
