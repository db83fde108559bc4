#include "domain/errors.h"
#include "redis/redisclient.h"
#include "redisserver.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <set>
#include <thread>

using namespace pomelo;
using pomelo::test::RedisServer;
using pomelo::test::waitUntil;

namespace {

QList<QByteArray> args(std::initializer_list<const char *> parts)
{
    QList<QByteArray> out;
    for (const char *p : parts)
        out << QByteArray(p);
    return out;
}

// Runs @p call and returns the code of the pomelo::Error it throws (or nothing).
template<typename F> std::optional<ErrorCode> errorOf(F call)
{
    try {
        call();
    } catch (const Error &e) {
        return e.code();
    }
    return std::nullopt;
}

} // namespace

class TestRedisClient : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY2(m_server.start(), m_server.log().constData()); }
    void init() { RedisConnection(redisOptionsFor(m_server, 500)).command(args({"FLUSHALL"})); }

    void typedReplies()
    {
        RedisConnection c(redisOptionsFor(m_server, 500));
        const RedisReply ok = c.command(args({"SET", "k", "v"}));
        QVERIFY(ok.isStatus());
        QCOMPARE(ok.toByteArray(), QByteArray("OK"));
        QCOMPARE(c.command(args({"GET", "k"})), RedisReply::string("v"));
        QVERIFY(c.command(args({"GET", "missing"})).isNil());
        QCOMPARE(c.command(args({"INCRBY", "n", "41"})).toInteger(), 41);
        QCOMPARE(c.command(args({"INCR", "n"})), RedisReply::integer(42));
        bool ok2 = false;
        QCOMPARE(c.command(args({"GET", "n"})).toInteger(&ok2), 42);
        QVERIFY(ok2);
        c.command(args({"RPUSH", "l", "a", "b", "c"}));
        const RedisReply list = c.command(args({"LRANGE", "l", "0", "-1"}));
        QVERIFY(list.isArray());
        QCOMPARE(list.size(), 3);
        QCOMPARE(list.at(2).toByteArray(), QByteArray("c"));
        QVERIFY(list.at(7).isNil());
        const RedisReply err = c.command(args({"INCR", "l"}));
        QVERIFY(err.isError());
        QVERIFY(err.toByteArray().startsWith("WRONGTYPE"));
        const auto code = errorOf([&] { err.throwIfError("INCR"); });
        QCOMPARE(code, std::optional(ErrorCode::Internal));
        QCOMPARE(errorOf([] { RedisReply::error("LOADING Redis is loading").throwIfError("x"); }),
                 std::optional(ErrorCode::DependencyUnavailable));
    }

    void binarySafe()
    {
        RedisConnection c(redisOptionsFor(m_server, 500));
        const QByteArray key("k\0\r\n*3", 6);
        const QByteArray value("\0\x01\xff\r\n$-1\r\n", 11);
        c.command({"SET", key, value});
        QCOMPARE(c.command({"GET", key}).toByteArray(), value);
        QCOMPARE(c.command({"STRLEN", key}).toInteger(), 11);
    }

    void pipelining()
    {
        RedisConnection c(redisOptionsFor(m_server, 500));
        QList<QList<QByteArray>> commands;
        for (int i = 0; i < 500; ++i)
            commands.append(args({"INCR", "counter"}));
        commands.append(args({"HSET", "h", "f"})); // wrong arity: an error in the middle
        commands.append(args({"GET", "counter"}));
        const QList<RedisReply> replies = c.pipeline(commands);
        QCOMPARE(replies.size(), 502);
        for (int i = 0; i < 500; ++i)
            QCOMPARE(replies.at(i).toInteger(), i + 1);
        QVERIFY(replies.at(500).isError());
        QCOMPARE(replies.at(501).toByteArray(), QByteArray("500"));
        QVERIFY(c.pipeline({}).isEmpty());
    }

    void evalShaFallsBackOnNoscript()
    {
        RedisConnection c(redisOptionsFor(m_server, 500));
        const RedisScript script("return {KEYS[1], ARGV[1], redis.call('INCR', KEYS[1])}");
        QCOMPARE(script.sha1().size(), 40);
        c.command(args({"SCRIPT", "FLUSH"}));
        QCOMPARE(c.command({"SCRIPT", "EXISTS", script.sha1()}).at(0).toInteger(), 0);
        const RedisReply first = c.evalSha(script, {"x"}, {"arg"});
        QCOMPARE(first.at(0).toByteArray(), QByteArray("x"));
        QCOMPARE(first.at(1).toByteArray(), QByteArray("arg"));
        QCOMPARE(first.at(2).toInteger(), 1);
        // EVAL loaded it under the locally computed SHA1: the next call is an EVALSHA hit.
        QCOMPARE(c.command({"SCRIPT", "EXISTS", script.sha1()}).at(0).toInteger(), 1);
        QCOMPARE(c.evalSha(script, {"x"}, {"arg"}).at(2).toInteger(), 2);
        const RedisReply broken = c.evalSha(RedisScript("return redis.call('NOPE')"), {}, {});
        QVERIFY(broken.isError());
    }

    void authAndSelect()
    {
        RedisServer secured({false,
                             QStringLiteral("everysec"),
                             {QStringLiteral("--requirepass"), QStringLiteral("s3cret-pw")}});
        QVERIFY(secured.start());
        RedisOptions options = redisOptionsFor(secured, 500);
        options.url.password = QStringLiteral("s3cret-pw");
        options.url.database = 3;
        options.clientName = "pomelo-test";
        RedisConnection c(options);
        c.command(args({"SET", "in-db-3", "1"}));
        const QByteArray info = c.command(args({"CLIENT", "INFO"})).toByteArray();
        QVERIFY2(info.contains(" db=3 "), info.constData());
        QVERIFY2(info.contains("name=pomelo-test"), info.constData());

        // An ACL user.
        c.command(args({"ACL", "SETUSER", "alice", "on", ">alice-pw", "~*", "+@all"}));
        RedisOptions acl = redisOptionsFor(secured, 500);
        QVERIFY(RedisUrl::parse(
            QStringLiteral("redis://alice:alice-pw@127.0.0.1:%1/0").arg(secured.port())));
        acl.url = *RedisUrl::parse(
            QStringLiteral("redis://alice:alice-pw@127.0.0.1:%1/0").arg(secured.port()));
        QCOMPARE(RedisConnection(acl).command(args({"ACL", "WHOAMI"})).toByteArray(),
                 QByteArray("alice"));

        // A wrong password is a typed error whose detail does not leak it.
        RedisOptions wrong = redisOptionsFor(secured, 500);
        wrong.url.password = QStringLiteral("not-the-pw");
        RedisConnection bad(wrong);
        try {
            bad.command(args({"PING"}));
            QFAIL("AUTH with a wrong password succeeded");
        } catch (const Error &e) {
            QCOMPARE(e.code(), ErrorCode::DependencyUnavailable);
            QVERIFY2(e.detail().contains(QLatin1String("AUTH")), qPrintable(e.detail()));
            QVERIFY(!e.detail().contains(QLatin1String("not-the-pw")));
        }
    }

    void unixSocket()
    {
        QTemporaryDir dir;
        const QString socket = dir.filePath(QStringLiteral("r.sock"));
        RedisServer server(
            {false, QStringLiteral("everysec"), {QStringLiteral("--unixsocket"), socket}});
        QVERIFY(server.start());
        RedisOptions options;
        options.url =
            *RedisUrl::parse(QStringLiteral("unix://") + socket + QStringLiteral("?db=2"));
        RedisConnection c(options);
        QCOMPARE(c.command(args({"PING"})).toByteArray(), QByteArray("PONG"));
        QVERIFY(c.command(args({"CLIENT", "INFO"})).toByteArray().contains(" db=2 "));
    }

    void downThenRecovers()
    {
        RedisServer server;
        QVERIFY(server.start());
        RedisConnection c(redisOptionsFor(server, 500));
        c.command(args({"SET", "k", "1"}));
        QCOMPARE(c.connectCount(), 1u);

        server.stop();
        QElapsedTimer timer;
        timer.start();
        QCOMPARE(errorOf([&] {
                     c.command(args({"GET", "k"}));
                 }),
                 std::optional(ErrorCode::DependencyUnavailable));
        QVERIFY2(timer.elapsed() < 1500, qPrintable(QString::number(timer.elapsed())));
        // While Redis is down, calls keep failing fast and typed (back-off, no hang).
        for (int i = 0; i < 5; ++i) {
            timer.restart();
            QCOMPARE(errorOf([&] {
                         c.command(args({"GET", "k"}));
                     }),
                     std::optional(ErrorCode::DependencyUnavailable));
            QVERIFY(timer.elapsed() < 1500);
        }

        QVERIFY(server.start());
        QVERIFY(waitUntil(
            [&] {
                try {
                    return c.command(args({"PING"})).toByteArray() == "PONG";
                } catch (const Error &) {
                    return false;
                }
            },
            5000));
        QVERIFY(c.connectCount() >= 2u);
    }

    void hungServerTimesOut()
    {
        RedisServer server;
        QVERIFY(server.start());
        RedisConnection c(redisOptionsFor(server, 300));
        c.command(args({"PING"}));
        server.pause();
        QElapsedTimer timer;
        timer.start();
        QCOMPARE(errorOf([&] { c.command(args({"PING"})); }),
                 std::optional(ErrorCode::DependencyUnavailable));
        const qint64 elapsed = timer.elapsed();
        QVERIFY2(elapsed >= 250 && elapsed < 2000, qPrintable(QString::number(elapsed)));
        // The next calls fail fast during the back-off or within the timeout again: never longer.
        timer.restart();
        QVERIFY(errorOf([&] { c.command(args({"PING"})); }).has_value());
        QVERIFY(timer.elapsed() < 2000);
        server.resume();
        QVERIFY(waitUntil(
            [&] {
                try {
                    return c.command(args({"PING"})).isStatus();
                } catch (const Error &) {
                    return false;
                }
            },
            5000));
    }

    void closedConnectionIsReplacedBeforeSending()
    {
        RedisConnection c(redisOptionsFor(m_server, 500));
        const qint64 id = c.command(args({"CLIENT", "ID"})).toInteger();
        RedisConnection admin(redisOptionsFor(m_server, 500));
        QCOMPARE(admin.command({"CLIENT", "KILL", "ID", QByteArray::number(id)}).toInteger(), 1);
        // Not idempotent, yet it goes through: the dead connection is noticed before sending.
        QVERIFY(waitUntil([&] {
            return !admin.command(args({"CLIENT", "LIST"}))
                        .toByteArray()
                        .contains(QByteArray("id=" + QByteArray::number(id) + ' '));
        }));
        QCOMPARE(c.command(args({"INCR", "once"})).toInteger(), 1);
        QCOMPARE(c.connectCount(), 2u);
    }

    void brokenInFlightRetriedOnlyWhenIdempotent_data()
    {
        QTest::addColumn<bool>("idempotent");
        QTest::newRow("idempotent: retried") << true;
        QTest::newRow("not idempotent: fails") << false;
    }
    void brokenInFlightRetriedOnlyWhenIdempotent()
    {
        QFETCH(bool, idempotent);
        RedisOptions options = redisOptionsFor(m_server, 5000);
        RedisConnection c(options);
        c.command(args({"PING"}));
        std::optional<RedisReply> reply;
        std::optional<ErrorCode> error;
        std::thread caller([&] {
            try {
                reply = c.command(args({"BLPOP", "queue", "4"}),
                                  idempotent ? Idempotent::Yes : Idempotent::No);
            } catch (const Error &e) {
                error = e.code();
            }
        });
        RedisConnection admin(redisOptionsFor(m_server, 500));
        QVERIFY(waitUntil([&] {
            return admin.command(args({"CLIENT", "LIST"})).toByteArray().contains("cmd=blpop");
        }));
        c.interrupt(); // the connection breaks while BLPOP is in flight
        if (idempotent) {
            QVERIFY(waitUntil([&] {
                return admin.command(args({"CLIENT", "LIST"})).toByteArray().count("cmd=blpop")
                    == 1;
            }));
            admin.command(args({"RPUSH", "queue", "item"}));
        }
        caller.join();
        if (idempotent) {
            QVERIFY(reply.has_value());
            QCOMPARE(reply->at(1).toByteArray(), QByteArray("item"));
        } else {
            QCOMPARE(error, std::optional(ErrorCode::DependencyUnavailable));
        }
    }

    void poolGivesEachThreadItsOwnConnection()
    {
        RedisPool pool(redisOptionsFor(m_server, 500));
        const qint64 mainId = pool.command(args({"CLIENT", "ID"})).toInteger();
        QCOMPARE(&pool.connection(), &pool.connection());
        QCOMPARE(pool.connectionCount(), 1);
        std::mutex mutex;
        std::set<qint64> ids {mainId};
        std::atomic<int> ready {0};
        std::atomic<bool> release {false};
        std::vector<std::thread> threads;
        for (int i = 0; i < 4; ++i) {
            threads.emplace_back([&] {
                const qint64 id = pool.command(args({"CLIENT", "ID"})).toInteger();
                const bool same = pool.command(args({"CLIENT", "ID"})).toInteger() == id;
                {
                    std::lock_guard lock(mutex);
                    ids.insert(same ? id : -1);
                }
                ++ready;
                while (!release)
                    std::this_thread::yield();
            });
        }
        QVERIFY(waitUntil([&] { return ready == 4; }));
        QCOMPARE(pool.connectionCount(), 5);
        release = true;
        for (auto &t : threads)
            t.join();
        QCOMPARE(int(ids.size()), 5);
        QVERIFY(!ids.contains(-1));
        // Ended threads closed their connections.
        QCOMPARE(pool.connectionCount(), 1);
    }

    void poolOutlivedByThreadIsHarmless()
    {
        std::atomic<bool> used {false};
        std::atomic<bool> poolGone {false};
        std::thread worker;
        {
            RedisPool pool(redisOptionsFor(m_server, 500));
            worker = std::thread([&] {
                pool.command(args({"PING"}));
                used = true;
                while (!poolGone)
                    std::this_thread::yield();
                // The thread ends after the pool: its cleanup must not touch the dead pool.
            });
            QVERIFY(waitUntil([&] { return used.load(); }));
        }
        poolGone = true;
        worker.join();
        // A new pool at possibly the same address gets a fresh connection on this thread.
        RedisPool again(redisOptionsFor(m_server, 500));
        QCOMPARE(again.command(args({"PING"})).toByteArray(), QByteArray("PONG"));
    }

private:
    RedisServer m_server;
};

QTEST_GUILESS_MAIN(TestRedisClient)
#include "test_redisclient.moc"
