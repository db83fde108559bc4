// Tests shared/storage/secretbox.*: sealing app secrets, the key file (mode 0600, created once
// even when two instances start at once), private files.
#include "storage/secretbox.h"
#include "storagetest.h"

#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using namespace pomelo;
using namespace pomelo::test;

namespace {

int fileMode(const QString &path)
{
    struct stat st
    {
    };
    if (::stat(QFile::encodeName(path).constData(), &st) != 0)
        return -1;
    return int(st.st_mode & 0777);
}

} // namespace

class TestSecretBox : public QObject
{
    Q_OBJECT

private slots:
    void sealAndOpen();
    void refusesTamperingAndOtherKeys_data();
    void refusesTamperingAndOtherKeys();
    void keySize();
    void keyFile();
    void keyFileCreatedOnceConcurrently();
    void badKeyFile();
    void privateFile();
};

void TestSecretBox::sealAndOpen()
{
    const SecretBox box(QByteArray(32, 'a'));
    const QByteArray secret = QByteArrayLiteral("Xq3-very-secret-hmac-key");
    const QString sealed = box.seal(secret, "app:1");
    QVERIFY(sealed.startsWith(QLatin1String("v1:")));
    QVERIFY(!sealed.contains(QString::fromLatin1(secret)));
    QVERIFY(!sealed.contains(QString::fromLatin1(secret.toBase64())));
    QCOMPARE(box.open(sealed, "app:1"), std::optional<QByteArray>(secret));
    // A fresh nonce each time: the same secret never seals to the same text.
    QVERIFY(box.seal(secret, "app:1") != sealed);
    QCOMPARE(box.open(box.seal({}, "x"), "x"), std::optional<QByteArray>(QByteArray()));
}

void TestSecretBox::refusesTamperingAndOtherKeys_data()
{
    QTest::addColumn<QString>("sealed");
    QTest::addColumn<QByteArray>("context");
    QTest::addColumn<QByteArray>("key");
    const SecretBox box(QByteArray(32, 'a'));
    const QString good = box.seal("secret", "app:1");
    QByteArray raw = QByteArray::fromBase64(good.mid(3).toLatin1());
    raw[raw.size() - 1] = char(raw.at(raw.size() - 1) ^ 1);
    QTest::newRow("other context") << good << QByteArray("app:2") << QByteArray(32, 'a');
    QTest::newRow("other key") << good << QByteArray("app:1") << QByteArray(32, 'b');
    QTest::newRow("tampered") << QString(QStringLiteral("v1:")
                                         + QString::fromLatin1(raw.toBase64()))
                              << QByteArray("app:1") << QByteArray(32, 'a');
    QTest::newRow("no prefix") << good.mid(3) << QByteArray("app:1") << QByteArray(32, 'a');
    QTest::newRow("not base64") << QStringLiteral("v1:***") << QByteArray("app:1")
                                << QByteArray(32, 'a');
    QTest::newRow("too short") << QStringLiteral("v1:AAAA") << QByteArray("app:1")
                               << QByteArray(32, 'a');
}

void TestSecretBox::refusesTamperingAndOtherKeys()
{
    QFETCH(QString, sealed);
    QFETCH(QByteArray, context);
    QFETCH(QByteArray, key);
    QCOMPARE(SecretBox(key).open(sealed, context), std::nullopt);
}

void TestSecretBox::keySize()
{
    QVERIFY_THROWS_EXCEPTION(Error, SecretBox(QByteArray(31, 'a')));
    QVERIFY_THROWS_EXCEPTION(Error, SecretBox {QByteArray {}});
}

void TestSecretBox::keyFile()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("sub/secret.key"));
    const SecretBox first = SecretBox::loadOrCreate(path);
    QVERIFY(QFileInfo::exists(path));
    QCOMPARE(fileMode(path), 0600);
    const QString sealed = first.seal("s", "c");
    // Loaded again (a restart): the same key.
    QCOMPARE(SecretBox::loadOrCreate(path).open(sealed, "c"), std::optional<QByteArray>("s"));
    // No temporary files left behind.
    QCOMPARE(QDir(dir.filePath(QStringLiteral("sub"))).entryList(QDir::Files | QDir::Hidden),
             QStringList {QStringLiteral("secret.key")});
}

void TestSecretBox::keyFileCreatedOnceConcurrently()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("secret.key"));
    QList<QString> sealed(8);
    const auto errors = runConcurrently(
        8, [&](int i) { sealed[i] = SecretBox::loadOrCreate(path).seal("x", "c"); });
    for (const auto &e : errors)
        QVERIFY2(!e, qPrintable(errorDetailOf(e)));
    const SecretBox box = SecretBox::loadOrCreate(path);
    for (const QString &s : sealed)
        QCOMPARE(box.open(s, "c"), std::optional<QByteArray>("x"));
}

void TestSecretBox::badKeyFile()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("secret.key"));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("c2hvcnQ=\n"); // "short"
    f.close();
    QVERIFY_THROWS_EXCEPTION(Error, SecretBox::loadOrCreate(path));
}

void TestSecretBox::privateFile()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("apps.json"));
    writePrivateFile(path, "one");
    QCOMPARE(fileMode(path), 0600);
    writePrivateFile(path, "two"); // replaced, still private
    QCOMPARE(fileMode(path), 0600);
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), QByteArray("two"));
    QVERIFY_THROWS_EXCEPTION(Error, writePrivateFile(QStringLiteral("/proc/nope/file"), "x"));
}

QTEST_GUILESS_MAIN(TestSecretBox)
#include "test_secretbox.moc"
