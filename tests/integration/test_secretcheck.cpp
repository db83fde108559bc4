// Tests shared/storage/secretcheck.*: the first key seals the check value, the same key opens it,
// another key does not; a database sealed before the check gets one only from a key that opens
// its app secrets; instances starting at once agree on one value — on both databases.
#include "storage/secretcheck.h"
#include "storagetest.h"

#include <QTest>

#include <future>

using namespace pomelo;
using namespace pomelo::test;

namespace {

SecretBox otherBox()
{
    return SecretBox(QByteArray(SecretBox::KeySize, 'o'));
}

} // namespace

class TestSecretCheck : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY2(m_backends.start(), qPrintable(m_backends.errorString())); }
    void firstKeyWins_data() { backendRows(); }
    void firstKeyWins();
    void olderDatabaseIsCheckedByItsApps_data() { backendRows(); }
    void olderDatabaseIsCheckedByItsApps();
    void concurrentStartsAgree_data() { backendRows(); }
    void concurrentStartsAgree();

private:
    static void backendRows()
    {
        StorageBackends::addColumn();
        StorageBackends::addRows();
    }
    StorageBackends m_backends;
};

void TestSecretCheck::firstKeyWins()
{
    QFETCH(QString, backend);
    auto db = migratedDatabase(m_backends, backend);
    QCOMPARE(SecretCheck::verify(*db, testSecretBox()), SecretCheck::Result::Created);
    QCOMPARE(SecretCheck::verify(*db, testSecretBox()), SecretCheck::Result::Matches);
    QCOMPARE(SecretCheck::verify(*db, otherBox()), SecretCheck::Result::Mismatch);
    // The refused key changed nothing: the first key still matches.
    QCOMPARE(SecretCheck::verify(*db, testSecretBox()), SecretCheck::Result::Matches);
}

void TestSecretCheck::olderDatabaseIsCheckedByItsApps()
{
    QFETCH(QString, backend);
    auto db = migratedDatabase(m_backends, backend);
    addApp(*db, QStringLiteral("app-sealed-before")); // sealed with testSecretBox()
    QCOMPARE(SecretCheck::verify(*db, otherBox()), SecretCheck::Result::Mismatch);
    QCOMPARE(SecretCheck::verify(*db, testSecretBox()), SecretCheck::Result::Created);
    QCOMPARE(SecretCheck::verify(*db, otherBox()), SecretCheck::Result::Mismatch);
}

void TestSecretCheck::concurrentStartsAgree()
{
    QFETCH(QString, backend);
    auto db = migratedDatabase(m_backends, backend);
    std::vector<std::future<SecretCheck::Result>> results;
    for (int i = 0; i < 4; ++i)
        results.push_back(std::async(std::launch::async,
                                     [&db] { return SecretCheck::verify(*db, testSecretBox()); }));
    int created = 0;
    for (auto &r : results) {
        const SecretCheck::Result result = r.get();
        QVERIFY(result != SecretCheck::Result::Mismatch);
        created += result == SecretCheck::Result::Created;
    }
    QCOMPARE(created, 1);
}

QTEST_GUILESS_MAIN(TestSecretCheck)
#include "test_secretcheck.moc"
