#include "ratechart.h"

#include <QPainter>
#include <QPainterPath>

namespace pomelo::console {

namespace {
constexpr int Minutes = 60;
}

RateChart::RateChart(QWidget *parent)
    : QWidget(parent)
{
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void RateChart::setTimes(const QList<QDateTime> &times)
{
    m_perMinute.clear();
    const qint64 oldest = minuteOf(QDateTime::currentDateTimeUtc()) - Minutes + 1;
    for (const QDateTime &t : times) {
        if (t.isValid() && minuteOf(t) >= oldest)
            ++m_perMinute[minuteOf(t)];
    }
    update();
}

void RateChart::add(const QDateTime &time)
{
    ++m_perMinute[minuteOf(time.isValid() ? time : QDateTime::currentDateTimeUtc())];
    prune();
    update();
}

int RateChart::total() const
{
    int sum = 0;
    for (const int n : m_perMinute)
        sum += n;
    return sum;
}

void RateChart::prune()
{
    const qint64 oldest = minuteOf(QDateTime::currentDateTimeUtc()) - Minutes + 1;
    while (!m_perMinute.isEmpty() && m_perMinute.firstKey() < oldest)
        m_perMinute.erase(m_perMinute.begin());
}

void RateChart::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QPalette pal = palette();
    p.fillRect(rect(), pal.base());

    const QFontMetrics fm = fontMetrics();
    const int left = fm.horizontalAdvance(QStringLiteral("0000")) + 8;
    const int bottom = fm.height() + 6;
    const QRect plot = rect().adjusted(left, 8, -10, -bottom);
    if (plot.width() < 20 || plot.height() < 20)
        return;

    const qint64 now = minuteOf(QDateTime::currentDateTimeUtc());
    int peak = 1;
    for (auto it = m_perMinute.cbegin(); it != m_perMinute.cend(); ++it) {
        if (it.key() > now - Minutes)
            peak = std::max(peak, it.value());
    }
    // A round top of the axis: 1, 2, 5, 10, 20, 50…
    int top = 1;
    for (int scale = 1; top < peak; scale *= 10) {
        for (const int m : {1, 2, 5}) {
            top = m * scale;
            if (top >= peak)
                break;
        }
    }

    QColor grid = pal.color(QPalette::Mid);
    grid.setAlpha(80);
    for (int i = 0; i <= 4; ++i) {
        const int y = plot.bottom() - plot.height() * i / 4;
        p.setPen(QPen(grid, 1, Qt::DashLine));
        p.drawLine(plot.left(), y, plot.right(), y);
        p.setPen(pal.color(QPalette::Text));
        const QString label = QString::number(top * i / 4.0, 'g', 3);
        p.drawText(QRect(0, y - fm.height() / 2, left - 4, fm.height()),
                   Qt::AlignRight | Qt::AlignVCenter, label);
    }

    const double barWidth = plot.width() / double(Minutes);
    const QColor bar(0x43, 0xa0, 0x47);
    for (int i = 0; i < Minutes; ++i) {
        const qint64 minute = now - Minutes + 1 + i;
        const int n = m_perMinute.value(minute);
        if (!n)
            continue;
        const double h = plot.height() * double(n) / top;
        const QRectF r(plot.left() + i * barWidth + 1, plot.bottom() - h,
                       std::max(1.0, barWidth - 2), h);
        p.fillRect(r, i == Minutes - 1 ? bar.lighter(120) : bar);
    }

    p.setPen(pal.color(QPalette::Text));
    p.drawLine(plot.bottomLeft(), plot.bottomRight());
    const QDateTime nowTime = QDateTime::currentDateTime();
    for (int i = 0; i <= 4; ++i) {
        const int minutesAgo = Minutes - i * Minutes / 4;
        const int x = plot.left() + plot.width() * i / 4;
        const QString label = nowTime.addSecs(-60 * minutesAgo).toString(QStringLiteral("HH:mm"));
        const int w = fm.horizontalAdvance(label);
        p.drawText(std::clamp(x - w / 2, 0, width() - w), height() - 4, label);
    }
}

} // namespace pomelo::console
