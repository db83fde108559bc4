#include "domain/errors.h"
#include "redis/embeddedredis.h"
#include "redis/redisclient.h"
#include "testsupport.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <unistd.h>

using namespace pomelo;
using pomelo::test::waitUntil;

namespace {

bool alive(qint64 pid)
{
    if (pid <= 0 || ::kill(static_cast<pid_t>(pid), 0) != 0)
        return false;
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return false;
    const QByteArray text = stat.readAll();
    const qsizetype close = text.lastIndexOf(')');
    return close < 0 || close + 2 >= text.size() || text.at(close + 2) != 'Z';
}

RedisConnection connectTo(const RedisUrl &url)
{
    RedisOptions options;
    options.url = url;
    return RedisConnection(options);
}

QByteArray get(const RedisUrl &url, const QByteArray &key)
{
    RedisOptions options;
    options.url = url;
    RedisConnection c(options);
    return c.command({"GET", key}).toByteArray();
}

void set(const RedisUrl &url, const QByteArray &key, const QByteArray &value)
{
    RedisOptions options;
    options.url = url;
    RedisConnection c(options);
    c.command({"SET", key, value}).throwIfError("SET");
}

bool aofContains(const QString &dir, const QByteArray &needle)
{
    QDirIterator it(dir, {QStringLiteral("*.aof")}, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        QFile f(it.next());
        if (f.open(QIODevice::ReadOnly) && f.readAll().contains(needle))
            return true;
    }
    return false;
}

} // namespace

class TestEmbeddedRedis : public QObject
{
    Q_OBJECT

private slots:
    void init() { QVERIFY(m_data.emplace().isValid()); }
    void cleanup()
    {
        // Whatever a failed test left running.
        for (qint64 pid : std::as_const(m_pids)) {
            if (alive(pid))
                ::kill(static_cast<pid_t>(pid), SIGKILL);
        }
        m_pids.clear();
        m_data.reset();
    }

    void missingBinaryNamesThePackage()
    {
        QTemporaryDir emptyBin;
        const QByteArray path = qgetenv("PATH");
        qputenv("PATH", QFile::encodeName(emptyBin.path()));
        EmbeddedRedis redis({m_data->path()});
        try {
            redis.start();
            qputenv("PATH", path);
            QFAIL("started without redis-server on PATH");
        } catch (const Error &e) {
            qputenv("PATH", path);
            QCOMPARE(e.code(), ErrorCode::DependencyUnavailable);
            QVERIFY2(e.detail().contains(QLatin1String("apt-get install redis-server")),
                     qPrintable(e.detail()));
            QVERIFY(e.detail().contains(QLatin1String("redis-server was not found on PATH")));
        }
        QVERIFY(!redis.isRunning());
    }

    void startStopAndPersist()
    {
        qint64 pid = 0;
        {
            EmbeddedRedis redis({m_data->path()});
            const RedisUrl url = redis.start();
            pid = redis.pid();
            m_pids << pid;
            QVERIFY(alive(pid));
            QVERIFY(!redis.reusedExisting());
            QCOMPARE(url.transport, RedisUrl::Transport::Unix);
            QCOMPARE(url.socketPath, m_data->filePath(QStringLiteral("redis/redis.sock")));
            QVERIFY(!url.password.isEmpty());
            set(url, "k", "v");
            // Same server over TCP; without the password it refuses.
            QCOMPARE(get(redis.tcpUrl(), "k"), QByteArray("v"));
            RedisUrl anonymous = redis.tcpUrl();
            anonymous.password.clear();
            QVERIFY(connectTo(anonymous).command({"GET", "k"}).isError());

            const QString dir = redis.directory();
            QCOMPARE(dir, m_data->filePath(QStringLiteral("redis")));
            QCOMPARE(QFile::permissions(dir + QStringLiteral("/redis.conf")),
                     QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadUser
                         | QFileDevice::WriteUser);
            QVERIFY(!(QFile::permissions(dir) & (QFileDevice::ReadOther | QFileDevice::ReadGroup)));
            QVERIFY(QFile::exists(dir + QStringLiteral("/state.json")));
            QVERIFY(QFile::exists(dir + QStringLiteral("/redis.pid")));
            RedisConnection c = connectTo(url);
            QCOMPARE(c.command({"CONFIG", "GET", "appendonly"}).at(1).toByteArray(),
                     QByteArray("yes"));
            QCOMPARE(c.command({"CONFIG", "GET", "appendfsync"}).at(1).toByteArray(),
                     QByteArray("everysec"));
        } // the destructor stops it
        QVERIFY(waitUntil([&] { return !alive(pid); }));
        QVERIFY(!QFile::exists(m_data->filePath(QStringLiteral("redis/state.json"))));

        EmbeddedRedis again({m_data->path()});
        const RedisUrl url = again.start();
        m_pids << again.pid();
        QVERIFY(!again.reusedExisting());
        QCOMPARE(get(url, "k"), QByteArray("v")); // from the AOF
        again.stop();
        QVERIFY(!again.isRunning());
        again.stop(); // idempotent
    }

    void replacesRedisKilledByACrash()
    {
        EmbeddedRedis first({m_data->path()});
        const RedisUrl url = first.start();
        const qint64 pid = first.pid();
        m_pids << pid;
        set(url, "survives", "sigkill");
        QVERIFY(waitUntil([&] { return aofContains(first.directory(), "survives"); }));
        ::kill(static_cast<pid_t>(pid), SIGKILL);
        QVERIFY(waitUntil([&] { return !alive(pid); }));
        first.abandon();

        EmbeddedRedis second({m_data->path()});
        const RedisUrl url2 = second.start();
        m_pids << second.pid();
        QVERIFY(!second.reusedExisting());
        QVERIFY(second.pid() != pid);
        QCOMPARE(get(url2, "survives"), QByteArray("sigkill"));
    }

    void reusesRedisLeftByOurCrash()
    {
        EmbeddedRedis first({m_data->path()});
        const RedisUrl url = first.start();
        const qint64 pid = first.pid();
        m_pids << pid;
        set(url, "k", "1");
        first.abandon(); // the server crashed: nobody stopped Redis

        EmbeddedRedis second({m_data->path()});
        const RedisUrl url2 = second.start();
        QVERIFY(second.reusedExisting());
        QCOMPARE(second.pid(), pid);
        QCOMPARE(url2, url);
        QCOMPARE(get(url2, "k"), QByteArray("1"));
        second.stop();
        QVERIFY(waitUntil([&] { return !alive(pid); }));
    }

    void replacesUnresponsiveLeftover()
    {
        EmbeddedRedis first({m_data->path()});
        first.start();
        const qint64 pid = first.pid();
        m_pids << pid;
        first.abandon();
        ::kill(static_cast<pid_t>(pid), SIGSTOP); // hung: holds its files, answers nothing

        EmbeddedRedis second({m_data->path()});
        const RedisUrl url = second.start();
        m_pids << second.pid();
        QVERIFY(!second.reusedExisting());
        QVERIFY(second.pid() != pid);
        QVERIFY(waitUntil([&] { return !alive(pid); }));
        QCOMPARE(connectTo(url).command({"PING"}).toByteArray(), QByteArray("PONG"));
    }

    void ignoresPidfileOfAnotherProcess()
    {
        QDir().mkpath(m_data->filePath(QStringLiteral("redis")));
        QFile pidFile(m_data->filePath(QStringLiteral("redis/redis.pid")));
        QVERIFY(pidFile.open(QIODevice::WriteOnly));
        pidFile.write(QByteArray::number(::getpid()) + '\n'); // a live process, not our Redis
        pidFile.close();
        EmbeddedRedis redis({m_data->path()});
        const RedisUrl url = redis.start();
        m_pids << redis.pid();
        QVERIFY(!redis.reusedExisting());
        QVERIFY(redis.pid() != ::getpid());
        QCOMPARE(connectTo(url).command({"PING"}).toByteArray(), QByteArray("PONG"));
    }

    void longDataDirFallsBackToTcp()
    {
        const QString deep = m_data->filePath(QString(90, u'd'));
        QVERIFY(QDir().mkpath(deep));
        EmbeddedRedis redis({deep});
        const RedisUrl url = redis.start();
        m_pids << redis.pid();
        QCOMPARE(url.transport, RedisUrl::Transport::Tcp);
        QCOMPARE(url.port, redis.port());
        QCOMPARE(connectTo(url).command({"PING"}).toByteArray(), QByteArray("PONG"));
    }

private:
    std::optional<QTemporaryDir> m_data;
    QList<qint64> m_pids;
};

QTEST_GUILESS_MAIN(TestEmbeddedRedis)
#include "test_embeddedredis.moc"
