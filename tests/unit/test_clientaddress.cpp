#include "http/clientaddress.h"

#include <QTest>

using pomelo::TrustedProxies;

using Headers = QList<QPair<QByteArray, QByteArray>>;

class TestClientAddress : public QObject
{
    Q_OBJECT

private slots:
    void resolve_data();
    void resolve();
    void parse_data();
    void parse();
};

void TestClientAddress::resolve_data()
{
    QTest::addColumn<QString>("trusted");
    QTest::addColumn<QString>("peer");
    QTest::addColumn<Headers>("headers");
    QTest::addColumn<QString>("expected");

    const auto xff = [](const char *value) {
        return Headers {{QByteArrayLiteral("X-Forwarded-For"), QByteArray(value)}};
    };

    QTest::newRow("no proxies, no header") << ""
                                           << "198.51.100.9" << Headers {} << "198.51.100.9";
    QTest::newRow("no proxies, spoofed header")
        << ""
        << "198.51.100.9" << xff("203.0.113.7") << "198.51.100.9";
    QTest::newRow("untrusted peer, header ignored")
        << "127.0.0.1"
        << "198.51.100.9" << xff("203.0.113.7") << "198.51.100.9";
    QTest::newRow("trusted peer without header: the peer")
        << "127.0.0.1"
        << "127.0.0.1" << Headers {} << "127.0.0.1";
    QTest::newRow("trusted peer, one hop") << "127.0.0.1"
                                           << "127.0.0.1" << xff("203.0.113.7") << "203.0.113.7";
    QTest::newRow("spoofed leftmost value is not believed")
        << "127.0.0.1"
        << "127.0.0.1" << xff("1.2.3.4, 203.0.113.7") << "203.0.113.7";
    QTest::newRow("chain of trusted proxies")
        << "127.0.0.1,10.0.0.0/8"
        << "127.0.0.1" << xff("1.2.3.4, 203.0.113.7, 10.1.2.3, 10.9.9.9") << "203.0.113.7";
    QTest::newRow("every hop trusted: the leftmost")
        << "10.0.0.0/8"
        << "10.0.0.1" << xff("10.0.0.3,10.0.0.2") << "10.0.0.3";
    QTest::newRow("CIDR v4: inside") << "192.168.0.0/16"
                                     << "192.168.44.5" << xff("203.0.113.7") << "203.0.113.7";
    QTest::newRow("CIDR v4: outside") << "192.168.0.0/16"
                                      << "192.169.0.1" << xff("203.0.113.7") << "192.169.0.1";
    QTest::newRow("CIDR v6: inside")
        << "2001:db8::/32"
        << "2001:db8:1::5" << xff("2001:db8:ffff::1, 2400:cb00::1") << "2400:cb00::1";
    QTest::newRow("CIDR v6: outside") << "2001:db8::/32"
                                      << "2001:db9::5" << xff("2400:cb00::1") << "2001:db9::5";
    QTest::newRow("v6 chain through a v6 trusted hop")
        << "::1, 2001:db8::/32"
        << "::1" << xff("2400:cb00::1 , 2001:db8::7") << "2400:cb00::1";
    QTest::newRow("IPv4-mapped peer matches a v4 entry")
        << "127.0.0.1"
        << "::ffff:127.0.0.1" << xff("203.0.113.7") << "203.0.113.7";
    QTest::newRow("IPv4-mapped entry is reported as v4")
        << "127.0.0.1"
        << "127.0.0.1" << xff("::ffff:203.0.113.7") << "203.0.113.7";
    QTest::newRow("malformed rightmost entry: the trusted peer")
        << "127.0.0.1"
        << "127.0.0.1" << xff("203.0.113.7, unknown") << "127.0.0.1";
    QTest::newRow("malformed entry with a port: stop at the trusted hop")
        << "127.0.0.1,10.0.0.0/8"
        << "127.0.0.1" << xff("203.0.113.7:5000, 10.0.0.2") << "10.0.0.2";
    QTest::newRow("empty entry stops the walk")
        << "127.0.0.1,10.0.0.0/8"
        << "127.0.0.1" << xff("203.0.113.7,,10.0.0.2") << "10.0.0.2";
    QTest::newRow("malformed left of the client does not matter")
        << "127.0.0.1"
        << "127.0.0.1" << xff("garbage, 203.0.113.7") << "203.0.113.7";
    QTest::newRow("empty header value") << "127.0.0.1"
                                        << "127.0.0.1" << xff("") << "127.0.0.1";
    QTest::newRow("several headers are one list, in order")
        << "127.0.0.1,10.0.0.0/8"
        << "127.0.0.1"
        << Headers {{"X-Forwarded-For", "1.2.3.4, 203.0.113.7"},
                    {"Host", "pay.example.edu.cn"},
                    {"x-forwarded-for", "10.0.0.2"}}
        << "203.0.113.7";
    QTest::newRow("several headers: the last one counts first")
        << "127.0.0.1"
        << "127.0.0.1"
        << Headers {{"X-Forwarded-For", "203.0.113.7"}, {"X-Forwarded-For", "198.51.100.1"}}
        << "198.51.100.1";
    QTest::newRow("X-Real-IP is not read")
        << "127.0.0.1"
        << "127.0.0.1" << Headers {{"X-Real-IP", "203.0.113.7"}} << "127.0.0.1";
}

void TestClientAddress::resolve()
{
    QFETCH(QString, trusted);
    QFETCH(QString, peer);
    QFETCH(Headers, headers);
    QFETCH(QString, expected);
    const auto proxies = TrustedProxies::parse(trusted);
    QVERIFY(proxies);
    QCOMPARE(pomelo::clientAddress(QHostAddress(peer), headers, *proxies).toString(), expected);
}

void TestClientAddress::parse_data()
{
    QTest::addColumn<QString>("list");
    QTest::addColumn<bool>("valid");
    QTest::newRow("empty") << "" << true;
    QTest::newRow("blank") << "  " << true;
    QTest::newRow("addresses and subnets") << "127.0.0.1, ::1 ,10.0.0.0/8,2001:db8::/32" << true;
    QTest::newRow("host name") << "nginx" << false;
    QTest::newRow("trailing comma") << "127.0.0.1," << false;
    QTest::newRow("prefix too long") << "10.0.0.0/33" << false;
    QTest::newRow("port") << "127.0.0.1:80" << false;
    QTest::newRow("scope id") << "fe80::1%eth0" << false;
}

void TestClientAddress::parse()
{
    QFETCH(QString, list);
    QFETCH(bool, valid);
    QString error;
    const auto proxies = TrustedProxies::parse(list, &error);
    QCOMPARE(proxies.has_value(), valid);
    QCOMPARE(error.isEmpty(), valid);
    if (proxies && list.trimmed().isEmpty())
        QVERIFY(proxies->isEmpty());
    if (!valid && !list.endsWith(u','))
        QVERIFY2(error.contains(list), qPrintable(error));
}

QTEST_APPLESS_MAIN(TestClientAddress)
#include "test_clientaddress.moc"
