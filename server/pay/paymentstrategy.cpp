#include "paymentstrategy.h"

#include <QStringList>

namespace pomelo {

void PaymentStrategyRegistry::add(std::unique_ptr<PaymentStrategy> strategy)
{
    const QString name = strategy->channel();
    m_strategies[name] = std::move(strategy);
}

const PaymentStrategy *PaymentStrategyRegistry::find(const QString &channel) const
{
    const auto it = m_strategies.find(channel);
    return it == m_strategies.end() ? nullptr : it->second.get();
}

QStringList PaymentStrategyRegistry::channels() const
{
    QStringList out;
    for (const auto &entry : m_strategies)
        out.append(entry.first);
    return out;
}

} // namespace pomelo
