#include "redis/redisurl.h"

#include <QTest>

using pomelo::RedisUrl;

class TestRedisUrl : public QObject
{
    Q_OBJECT

private slots:
    void parsesValidUrls_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("unix");
        QTest::addColumn<QString>("host");
        QTest::addColumn<int>("port");
        QTest::addColumn<QString>("socket");
        QTest::addColumn<QString>("user");
        QTest::addColumn<QString>("password");
        QTest::addColumn<int>("db");

        QTest::newRow("host only") << "redis://cache.local" << false << "cache.local" << 6379 << ""
                                   << ""
                                   << "" << 0;
        QTest::newRow("host port db")
            << "redis://10.0.0.5:7000/3" << false << "10.0.0.5" << 7000 << ""
            << ""
            << "" << 3;
        QTest::newRow("trailing slash") << "redis://h:1/" << false << "h" << 1 << ""
                                        << ""
                                        << "" << 0;
        QTest::newRow("password only") << "redis://:s3cret@h:6380/1" << false << "h" << 6380 << ""
                                       << ""
                                       << "s3cret" << 1;
        QTest::newRow("acl user") << "redis://pomelo:pa%40ss%3Aw@h/2" << false << "h" << 6379 << ""
                                  << "pomelo"
                                  << "pa@ss:w" << 2;
        QTest::newRow("ipv6") << "redis://[::1]:6390" << false << "::1" << 6390 << ""
                              << ""
                              << "" << 0;
        QTest::newRow("spaces trimmed") << "  redis://h:2/4 " << false << "h" << 2 << ""
                                        << ""
                                        << "" << 4;
        QTest::newRow("upper-case scheme") << "REDIS://h" << false << "h" << 6379 << ""
                                           << ""
                                           << "" << 0;
        QTest::newRow("unix") << "unix:///run/redis/redis.sock" << true << "" << 0
                              << "/run/redis/redis.sock"
                              << ""
                              << "" << 0;
        QTest::newRow("unix with query")
            << "unix:///tmp/r.sock?db=5&user=u&password=p%26w" << true << "" << 0 << "/tmp/r.sock"
            << "u"
            << "p&w" << 5;
        QTest::newRow("unix password only")
            << "unix:///tmp/r.sock?password=only-pw" << true << "" << 0 << "/tmp/r.sock"
            << ""
            << "only-pw" << 0;
        QTest::newRow("unix db only")
            << "unix:///tmp/r.sock?db=2" << true << "" << 0 << "/tmp/r.sock"
            << ""
            << "" << 2;
        QTest::newRow("upper-case unix scheme")
            << "UNIX:///tmp/r.sock" << true << "" << 0 << "/tmp/r.sock"
            << ""
            << "" << 0;
    }
    void parsesValidUrls()
    {
        QFETCH(QString, text);
        QFETCH(bool, unix);
        QFETCH(QString, host);
        QFETCH(int, port);
        QFETCH(QString, socket);
        QFETCH(QString, user);
        QFETCH(QString, password);
        QFETCH(int, db);

        QString error;
        const auto url = RedisUrl::parse(text, &error);
        QVERIFY2(url.has_value(), qPrintable(error));
        QCOMPARE(url->transport == RedisUrl::Transport::Unix, unix);
        QCOMPARE(url->host, host);
        QCOMPARE(int(url->port), port);
        QCOMPARE(url->socketPath, socket);
        QCOMPARE(url->username, user);
        QCOMPARE(url->password, password);
        QCOMPARE(url->database, db);

        // toString() round-trips, toDisplayString() hides the password.
        const auto again = RedisUrl::parse(url->toString());
        QVERIFY(again.has_value());
        QCOMPARE(*again, *url);
        if (!password.isEmpty()) {
            QVERIFY(!url->toDisplayString().contains(password));
            QVERIFY(url->toDisplayString().contains(QLatin1String("***")));
        }
    }

    void rejectsInvalidUrls_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected");

        QTest::newRow("empty") << ""
                               << "empty";
        QTest::newRow("embedded") << "embedded"
                                  << "embedded";
        QTest::newRow("tls") << "rediss://h:6379"
                             << "TLS";
        QTest::newRow("http") << "http://h"
                              << "scheme";
        QTest::newRow("no scheme") << "localhost:6379"
                                   << "scheme";
        QTest::newRow("no host") << "redis://:6379"
                                 << "host";
        QTest::newRow("port zero") << "redis://h:0"
                                   << "port";
        QTest::newRow("port too big") << "redis://h:99999"
                                      << "malformed";
        QTest::newRow("db not a number") << "redis://h/abc"
                                         << "database";
        QTest::newRow("db negative") << "redis://h/-1"
                                     << "database";
        QTest::newRow("user without password") << "redis://bob@h"
                                               << "without a password";
        // Accepted before, and the client then sent no AUTH (found by tests/fuzz/fuzz_redisurl).
        QTest::newRow("user with an empty password") << "redis://bob:@h"
                                                     << "without a password";
        QTest::newRow("query on tcp") << "redis://h?db=1"
                                      << "query";
        QTest::newRow("unix two slashes") << "unix://tmp/r.sock"
                                          << "three slashes";
        QTest::newRow("unix relative") << "unix:r.sock"
                                       << "absolute";
        QTest::newRow("unix bad db") << "unix:///r.sock?db=x"
                                     << "number";
        QTest::newRow("unix unknown item") << "unix:///r.sock?timeout=3"
                                           << "unknown";
        QTest::newRow("unix userinfo") << "unix://:pw@/r.sock"
                                       << "query items";
        QTest::newRow("db with a plus sign") << "redis://h/+1"
                                             << "database";
        QTest::newRow("fragment on tcp") << "redis://h#x"
                                         << "fragment";
        QTest::newRow("unix root only") << "unix:///"
                                        << "absolute";
        QTest::newRow("unix negative db") << "unix:///r.sock?db=-1"
                                          << "number";
        QTest::newRow("unix user without password") << "unix:///r.sock?user=u"
                                                    << "without a password";
    }
    void rejectsInvalidUrls()
    {
        QFETCH(QString, text);
        QFETCH(QString, expected);
        QString error;
        QVERIFY(!RedisUrl::parse(text, &error).has_value());
        QVERIFY2(error.contains(expected, Qt::CaseInsensitive), qPrintable(error));
    }

    void errorsNeverContainThePassword()
    {
        for (const char *text : {"redis://u:hunter2@h:99999", "redis://:hunter2@h/zz",
                                 "rediss://:hunter2@h", "redis://:hunter2@h?x=1"}) {
            QString error;
            QVERIFY(!RedisUrl::parse(QString::fromLatin1(text), &error).has_value());
            QVERIFY2(!error.contains(QLatin1String("hunter2")), qPrintable(error));
        }
    }

    void embeddedIsRecognised()
    {
        QVERIFY(RedisUrl::isEmbedded(QStringLiteral("embedded")));
        QVERIFY(RedisUrl::isEmbedded(QStringLiteral(" Embedded ")));
        QVERIFY(!RedisUrl::isEmbedded(QStringLiteral("redis://embedded")));
    }

    void builders()
    {
        const RedisUrl tcp = RedisUrl::tcp(QStringLiteral("127.0.0.1"), 7001);
        QCOMPARE(tcp.toString(), QStringLiteral("redis://127.0.0.1:7001/0"));
        RedisUrl socket = RedisUrl::unixSocket(QStringLiteral("/tmp/a b.sock"));
        socket.password = QStringLiteral("pw");
        QCOMPARE(socket.toDisplayString(), QStringLiteral("unix:///tmp/a%20b.sock?password=***"));
        QCOMPARE(RedisUrl::parse(socket.toString())->socketPath, QStringLiteral("/tmp/a b.sock"));
    }
};

QTEST_GUILESS_MAIN(TestRedisUrl)
#include "test_redisurl.moc"
