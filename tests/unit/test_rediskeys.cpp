#include "redis/rediskeys.h"

#include <QDate>
#include <QTest>
#include <QTime>

using pomelo::RedisKeys;

class TestRedisKeys : public QObject
{
    Q_OBJECT

private slots:
    void keysOfApiMd_data()
    {
        QTest::addColumn<QByteArray>("prefix");
        QTest::newRow("no prefix") << QByteArray();
        QTest::newRow("prefix") << QByteArray("staging:");
    }
    void keysOfApiMd()
    {
        QFETCH(QByteArray, prefix);
        const RedisKeys keys(prefix);
        QCOMPARE(keys.venueBookingLock(QStringLiteral("7"), QStringLiteral("2024-05-01"),
                                       QStringLiteral("08:00"), QStringLiteral("09:00")),
                 prefix + "venue_booking:7:2024-05-01:08:00-09:00");
        QCOMPARE(keys.venueBookingLock(7, QDate(2024, 5, 1), QTime(8, 0), QTime(9, 30)),
                 prefix + "venue_booking:7:2024-05-01:08:00-09:30");
        QCOMPARE(keys.payingLock(Q_INT64_C(1790000000000000001)),
                 prefix + "paying:1790000000000000001");
        QCOMPARE(keys.payingLock(QStringLiteral("42")), prefix + "paying:42");
        QCOMPARE(keys.orderEventsStream(), prefix + "pomelo:order-events");
        QCOMPARE(keys.orderTimeoutQueue(), prefix + "pomelo:delay:order-timeout");
        QCOMPARE(keys.bookingExpiryQueue(), prefix + "pomelo:delay:booking-expiry");
        QCOMPARE(keys.nonce(QStringLiteral("app1"), QStringLiteral("n-1")),
                 prefix + "pomelo:nonce:app1:n-1");
        QCOMPARE(keys.inbox(QStringLiteral("o-1")), prefix + "pomelo:inbox:o-1");
        QCOMPARE(RedisKeys::statusTrackerGroup(), QByteArray("status-tracker"));
        QCOMPARE(RedisKeys::pushNotifierGroup(), QByteArray("push-notifier"));
        QCOMPARE(RedisKeys::lockFence(keys.payingLock(1)), prefix + "paying:1:fence");
        QCOMPARE(RedisKeys::lockWaiters(keys.payingLock(1)), prefix + "paying:1:waiters");
    }

    void lockChannels()
    {
        const RedisKeys keys("p*x:");
        QCOMPARE(keys.lockChannel(keys.payingLock(5)),
                 QByteArray("p*x:pomelo:lock-channel:paying:5"));
        // A key without the prefix still gets a channel under the prefix.
        QCOMPARE(keys.lockChannel("other"), QByteArray("p*x:pomelo:lock-channel:other"));
        // Glob characters of the prefix are escaped in the pattern.
        QCOMPARE(keys.lockChannelPattern(), QByteArray("p\\*x:pomelo:lock-channel:*"));
        QCOMPARE(RedisKeys().lockChannelPattern(), QByteArray("pomelo:lock-channel:*"));
    }
};

QTEST_GUILESS_MAIN(TestRedisKeys)
#include "test_rediskeys.moc"
