// Tests shared/storage/pagination.*: page cursor tokens.
#include "storage/pagination.h"

#include <QTest>

using namespace pomelo;

class TestPagination : public QObject
{
    Q_OBJECT

private slots:
    void roundTrip_data();
    void roundTrip();
    void rejects_data();
    void rejects();
};

void TestPagination::roundTrip_data()
{
    QTest::addColumn<qint64>("key");
    QTest::addColumn<qint64>("id");
    QTest::newRow("typical") << qint64(1700000000123) << qint64(7186433924141056001);
    QTest::newRow("zeros") << qint64(0) << qint64(0);
    QTest::newRow("negative key") << qint64(-5) << qint64(1);
    QTest::newRow("max") << std::numeric_limits<qint64>::max()
                         << std::numeric_limits<qint64>::max();
}

void TestPagination::roundTrip()
{
    QFETCH(qint64, key);
    QFETCH(qint64, id);
    const PageCursor cursor {key, id};
    const QString token = cursor.toToken();
    QVERIFY(!token.contains(u'=') && !token.contains(u'/') && !token.contains(u'+'));
    QCOMPARE(PageCursor::fromToken(token), std::optional<PageCursor>(cursor));
}

void TestPagination::rejects_data()
{
    QTest::addColumn<QString>("token");
    QTest::newRow("empty") << QString();
    QTest::newRow("not base64") << QStringLiteral("***");
    QTest::newRow("no separator") << QString::fromLatin1(
        QByteArray("12345").toBase64(QByteArray::Base64UrlEncoding));
    QTest::newRow("three parts") << QString::fromLatin1(
        QByteArray("1:2:3").toBase64(QByteArray::Base64UrlEncoding));
    QTest::newRow("not numbers") << QString::fromLatin1(
        QByteArray("a:b").toBase64(QByteArray::Base64UrlEncoding));
    QTest::newRow("too long") << QString(100, u'A');
}

void TestPagination::rejects()
{
    QFETCH(QString, token);
    QCOMPARE(PageCursor::fromToken(token), std::nullopt);
}

QTEST_GUILESS_MAIN(TestPagination)
#include "test_pagination.moc"
