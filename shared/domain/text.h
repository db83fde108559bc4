#pragma once

#include <QString>

namespace pomelo {

/// True when @p text contains a control character (C0, DEL, C1) or a lone surrogate: such input
/// is refused in any free-text field (subjects, reasons, names), wherever it comes from.
bool hasControlCharacters(const QString &text);

} // namespace pomelo
