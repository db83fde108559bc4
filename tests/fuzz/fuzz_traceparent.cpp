// W3C `traceparent` (and the bare trace / span ids): read from the header of every incoming
// request, before anything else has looked at it.
#include "fuzzsupport.h"
#include "telemetry/trace.h"

using namespace pomelo;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input = fuzz::bytes(data, size);

    if (const auto context = SpanContext::fromTraceparent(input)) {
        FUZZ_CHECK(context->isValid());
        const QByteArray written = context->toTraceparent();
        FUZZ_CHECK(written.size() == 55);
        // What we propagate must parse back to the same context.
        FUZZ_CHECK(SpanContext::fromTraceparent(written) == context);
        // Version 00 is exact: what was read, less the optional whitespace, is what is written.
        if (input.trimmed().startsWith("00-"))
            FUZZ_CHECK(written == input.trimmed());
    }

    if (const auto traceId = TraceId::fromHex(input)) {
        FUZZ_CHECK(traceId->isValid());
        FUZZ_CHECK(traceId->toHex() == input);
    }
    if (const auto spanId = SpanId::fromHex(input)) {
        FUZZ_CHECK(spanId->isValid());
        FUZZ_CHECK(spanId->toHex() == input);
    }
    return 0;
}
