#pragma once

#include <QByteArray>
#include <QtGlobal>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

// What the fuzz targets share: the input as a QByteArray and invariant checks that crash (so that
// libFuzzer keeps the input as an artifact) with a readable message.
namespace pomelo::fuzz {

/// The input without a copy: fromRawData has no terminating '\0', so a read past the end is an
/// ASan report instead of a silent look at a byte the caller never sent.
inline QByteArray bytes(const uint8_t *data, size_t size)
{
    return QByteArray::fromRawData(reinterpret_cast<const char *>(data), qsizetype(size));
}

/// Qt's log output (qCWarning of rejected input …) would cost more than the parsing; fatal messages
/// still abort after the handler returns.
inline void silenceQtMessages()
{
    qInstallMessageHandler([](QtMsgType, const QMessageLogContext &, const QString &) {});
}

[[noreturn]] inline void checkFailed(const char *condition, const char *file, int line)
{
    std::fprintf(stderr, "%s:%d: invariant failed: %s\n", file, line, condition);
    std::abort();
}

} // namespace pomelo::fuzz

#define FUZZ_CHECK(condition)                                                                      \
    do {                                                                                           \
        if (!(condition))                                                                          \
            ::pomelo::fuzz::checkFailed(#condition, __FILE__, __LINE__);                           \
    } while (false)
