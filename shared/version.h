#pragma once

#include <QString>

namespace pomelo {

/// The product version, as set in the top-level CMakeLists.txt.
QString version();

} // namespace pomelo
