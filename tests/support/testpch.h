#pragma once
// Precompiled once per test folder and reused by its test executables (tests/CMakeLists.txt): the
// Qt and standard headers nearly every test includes, parsed once instead of in each of ~90 test
// files. Only what is the same for every test of a folder belongs here: the console's tests (Qt
// Widgets, whose presence changes what <QTest> declares) compile without it.
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>
