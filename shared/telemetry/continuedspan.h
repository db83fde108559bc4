#pragma once

#include "trace.h"

#include <QString>

namespace pomelo {

/// A span of work on an order or booking that arrives in a request of its own (signing, the
/// cashier, a channel's callback, a refund, a timeout): it continues the trace the order lives in
/// (@p storedTraceparent, written when the order or booking was made or last changed) and links
/// the request's span, so one trace follows the payment from the student's tap to the merchant's
/// answer while every request keeps its own trace for its access log line. When the request
/// already belongs to the stored trace (a pay-notify sent with our traceparent), or nothing is
/// stored, it is a plain child of the current span. Stack-only, current while it lives.
class ContinuedSpan
{
public:
    ContinuedSpan(const QString &name, const QString &storedTraceparent)
        : m_request(currentSpanContext())
        , m_span(name, SpanKind::Internal, parentFor(storedTraceparent, m_request))
    {
        if (m_request.isValid() && m_request.traceId != m_span.traceId())
            m_span.addLink(m_request, {{QStringLiteral("pomelo.link"), QStringLiteral("request")}});
    }
    ScopedSpan &span() { return m_span; }
    SpanContext context() const { return m_span.context(); }
    QString traceparent() const { return QString::fromLatin1(m_span.context().toTraceparent()); }
    void setAttribute(const QString &key, const QVariant &value)
    {
        m_span.setAttribute(key, value);
    }
    void setError(const QString &message) { m_span.setError(message); }

private:
    static SpanContext parentFor(const QString &stored, const SpanContext &request)
    {
        const std::optional<SpanContext> s = SpanContext::fromTraceparent(stored.toLatin1());
        if (!s || (request.isValid() && request.traceId == s->traceId))
            return request;
        return *s;
    }

    SpanContext m_request;
    ScopedSpan m_span;
};

} // namespace pomelo
