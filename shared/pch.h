#pragma once
// Precompiled once and reused by every library and binary of the project (CMakeLists.txt,
// pomelo_pch_lib): the QtCore and standard headers most files include, parsed once per build
// instead of in each of ~130 files. QtCore only: it must mean the same in every target, whatever
// else (Network, Sql, Widgets) the target links.
#include <QByteArray>
#include <QDateTime>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QLoggingCategory>
#include <QMap>
#include <QMutex>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QThread>
#include <QTimer>
#include <QUrl>
#include <QVariant>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>
