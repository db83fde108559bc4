// console/tracelabel.*: the trace id of the order detail is a link into the trace viewer when the
// server names one (telemetry.trace_url_template), opened through a replaceable opener (no
// browser starts here), and "copy" puts the id on the clipboard with or without a template.
#include "tracelabel.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QLabel>
#include <QRegularExpression>
#include <QTest>

using namespace pomelo::console;
using namespace Qt::StringLiterals;

namespace {

const QString TraceId = u"4bf92f3577b34da6a3ce929d0e0e4736"_s;

/// The href of the label's link, or empty when its text has none.
QString hrefOf(const QLabel *label)
{
    const QRegularExpressionMatch m =
        QRegularExpression(u"<a href=\"([^\"]*)\""_s).match(label->text());
    return m.hasMatch() ? m.captured(1) : QString();
}

} // namespace

class TestTraceLabel : public QObject
{
    Q_OBJECT

private slots:
    void traceUrl_data();
    void traceUrl();
    void label_data();
    void label();
    void noTraceHidesTheLabel();
};

void TestTraceLabel::traceUrl_data()
{
    QTest::addColumn<QString>("urlTemplate");
    QTest::addColumn<QString>("traceId");
    QTest::addColumn<QString>("expected");
    QTest::newRow("jaeger") << u"http://jaeger:16686/trace/{traceId}"_s << TraceId
                            << u"http://jaeger:16686/trace/"_s + TraceId;
    QTest::newRow("tempo explore, encoded JSON")
        << u"https://grafana.example.edu.cn/explore?left=%7B%22queries%22:%5B%7B%22query%22:"
           "%22{traceId}%22%7D%5D%7D"_s
        << TraceId
        << u"https://grafana.example.edu.cn/explore?left=%7B%22queries%22:%5B%7B%22query%22:%22"_s
            + TraceId + u"%22%7D%5D%7D"_s;
    QTest::newRow("no template") << QString() << TraceId << QString();
    QTest::newRow("no trace id") << u"http://jaeger:16686/trace/{traceId}"_s << QString()
                                 << QString();
}

void TestTraceLabel::traceUrl()
{
    QFETCH(QString, urlTemplate);
    QFETCH(QString, traceId);
    QFETCH(QString, expected);
    QCOMPARE(TraceLabel::traceUrl(urlTemplate, traceId).toString(QUrl::FullyEncoded), expected);
}

void TestTraceLabel::label_data()
{
    QTest::addColumn<QString>("urlTemplate");
    QTest::addColumn<bool>("linked");
    QTest::newRow("with template") << u"http://jaeger:16686/trace/{traceId}"_s << true;
    QTest::newRow("without template") << QString() << false;
}

void TestTraceLabel::label()
{
    QFETCH(QString, urlTemplate);
    QFETCH(bool, linked);
    TraceLabel trace;
    QList<QUrl> opened;
    trace.setUrlOpener([&opened](const QUrl &url) {
        opened.append(url);
        return true;
    });
    trace.setTrace(TraceId, urlTemplate);
    QVERIFY(!trace.isHidden());
    QVERIFY(trace.label()->text().contains(TraceId));

    const QString href = hrefOf(trace.label());
    if (linked) {
        QCOMPARE(href, u"http://jaeger:16686/trace/"_s + TraceId);
        QCOMPARE(trace.url().toString(), href);
        // Activating the link goes to the opener, with the trace viewer's URL.
        emit trace.label()->linkActivated(href);
        QCOMPARE(opened, QList<QUrl> {QUrl(href)});
    } else {
        QVERIFY2(href.isEmpty(), qPrintable(trace.label()->text()));
        QVERIFY(trace.url().isEmpty());
    }

    // Copy works either way.
    QGuiApplication::clipboard()->setText(u"something else"_s);
    QVERIFY(trace.copyAction()->isEnabled());
    trace.copyAction()->trigger();
    QCOMPARE(QGuiApplication::clipboard()->text(), TraceId);
    QCOMPARE(opened.size(), linked ? 1 : 0);
}

void TestTraceLabel::noTraceHidesTheLabel()
{
    TraceLabel trace;
    trace.setTrace(TraceId, u"http://jaeger:16686/trace/{traceId}"_s);
    QVERIFY(!trace.isHidden());
    trace.setTrace({}, u"http://jaeger:16686/trace/{traceId}"_s);
    QVERIFY(trace.isHidden());
    QVERIFY(!trace.copyAction()->isEnabled());
    QVERIFY(trace.url().isEmpty());
}

QTEST_MAIN(TestTraceLabel)
#include "test_tracelabel.moc"
