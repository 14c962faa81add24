package dev.jcloud.engine.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import dev.jcloud.engine.api.Client;
import dev.jcloud.engine.api.Delayed;
import dev.jcloud.engine.api.PerformanceReport;
import dev.jcloud.engine.api.TaskFuture;
import dev.jcloud.engine.scheduler.DashboardToken;
import dev.jcloud.engine.scheduler.SchedulerOptions;
import dev.jcloud.engine.scheduler.SchedulerServer;
import dev.jcloud.engine.scheduler.TestingGaugeExtension;
import dev.jcloud.engine.worker.WorkerOptions;
import dev.jcloud.engine.worker.WorkerServer;
import java.io.File;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The dashboard in a real browser: Debian's headless chromium, driven by Selenium through Debian's
 * chromedriver, watches an in-process cluster run a graph of slowish tasks, with a scheduler
 * extension publishing cost and an adaptive target as the in-cluster controller does. Saves
 * {@code target/dashboard-it/dashboard.png}, the performance report of the same work
 * ({@code report.html}) and its rendering ({@code report.png}) as artifacts.
 */
class DashboardIT {

    /** The dashboard is opened the way a user opens it: once with the cluster's token in the address. */
    private static final String TOKEN = "dashboard-it-token-0123456789abcdef";

    private static final Path ARTIFACTS = Path.of("target", "dashboard-it");

    static Integer slow(Integer i) {
        sleep(20);
        return i;
    }

    static Integer slower(Integer i) {
        sleep(30);
        return i * 2;
    }

    static Long slowLeaf(Long i) {
        sleep(5);
        return i;
    }

    /** A binary reduction: its sums need inputs from both workers, so results travel between them. */
    private static Delayed<Long> tree(int leaves) {
        List<Delayed<Long>> level = new ArrayList<>();
        for (long i = 0; i < leaves; i++) {
            level.add(Delayed.apply(DashboardIT::slowLeaf, i));
        }
        while (level.size() > 1) {
            List<Delayed<Long>> next = new ArrayList<>();
            for (int i = 0; i < level.size(); i += 2) {
                next.add(i + 1 < level.size() ? level.get(i).combine(level.get(i + 1), Long::sum) : level.get(i));
            }
            level = next;
        }
        return level.get(0);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Test
    void showsTheTaskStreamProgressAndWorkersOfRunningWork() throws Exception {
        Files.createDirectories(ARTIFACTS);
        Path scratch = Files.createTempDirectory("jcloud-dashboard-it-");
        try (SchedulerServer scheduler = SchedulerServer.start(SchedulerOptions.loopback()
                        .withIdleTimeout(Duration.ofMinutes(10))
                        .withClusterSpec(TestingGaugeExtension.SPEC)
                        .withDashboardToken(DashboardToken.of(TOKEN)));
                WorkerServer w0 = worker(scheduler, "w0", scratch);
                WorkerServer w1 = worker(scheduler, "w1", scratch)) {
            Client client = Client.connect(scheduler.address());
            client.waitForWorkers(2, Duration.ofSeconds(30));
            TestingGaugeExtension.HANDLE.get().publish("cost_dollars_total", "w0", 0.42);
            String base = "http://" + scheduler.dashboardAddress();
            WebDriver browser = chromium();
            try {
                // Without the token: the sign-in page. With it once in the address: a session.
                browser.get(base + "/");
                assertThat(browser.findElement(By.tagName("body")).getText()).contains("needs its cluster's token");
                browser.get(base + "/?token=" + TOKEN);
                assertThat(browser.getCurrentUrl()).isEqualTo(base + "/");
                await().atMost(Duration.ofSeconds(15))
                        .untilAsserted(() -> assertThat(
                                        browser.findElement(By.id("conn")).getText())
                                .isEqualTo("live"));

                PerformanceReport report = client.performanceReport(ARTIFACTS.resolve("report.html"));
                List<TaskFuture<Integer>> work = new ArrayList<>();
                work.addAll(client.map(
                        DashboardIT::slow, IntStream.range(0, 800).boxed().toList()));
                work.addAll(client.map(
                        DashboardIT::slower, IntStream.range(0, 400).boxed().toList()));
                TaskFuture<Long> reduction = client.compute(tree(400));

                // While it runs: bars on both workers, a progress row per kind, workers busy.
                await().atMost(Duration.ofSeconds(20))
                        .ignoreExceptionsInstanceOf(StaleElementReferenceException.class)
                        .untilAsserted(() -> {
                            assertThat(attributes(browser, "#taskstream rect.task", "data-worker"))
                                    .containsExactlyInAnyOrder("w0", "w1");
                            assertThat(browser.findElements(By.cssSelector("#progress .row")))
                                    .hasSize(4);
                            assertThat(browser.findElements(By.cssSelector("#workers tbody tr")).stream()
                                            .map(r -> r.getAttribute("data-worker")))
                                    .containsExactlyInAnyOrder("w0", "w1");
                            assertThat(Long.parseLong(browser.findElement(By.id("s-processing"))
                                            .getText()
                                            .replace(",", "")))
                                    .isPositive();
                            assertThat(browser.findElements(By.cssSelector("#workers td.processing")).stream()
                                            .mapToLong(td ->
                                                    Long.parseLong(td.getText().replace(",", "")))
                                            .sum())
                                    .isPositive();
                        });
                screenshot(browser, "dashboard.png");
                await().atMost(Duration.ofSeconds(20))
                        .ignoreExceptionsInstanceOf(StaleElementReferenceException.class)
                        .untilAsserted(() -> {
                            // Running tasks against threads, and each worker's own thresholds marked.
                            assertThat(browser.findElements(By.cssSelector("#workers td.executing")).stream()
                                            .map(WebElement::getText))
                                    .hasSize(2)
                                    .allMatch(t -> t.matches("\\d+ / 4"));
                            assertThat(attributes(browser, "#workers .mark.spill", "style"))
                                    .singleElement()
                                    .asString()
                                    .matches("left: ?60(\\.0)?%;?");
                            assertThat(attributes(browser, "#workers .mark.pause", "style"))
                                    .singleElement()
                                    .asString()
                                    .matches("left: ?80(\\.0)?%;?");
                            // The cluster panel: what the extension published, and the workers over time.
                            assertThat(browser.findElement(By.id("c-cost")).getText())
                                    .isEqualTo("$1.25");
                            assertThat(browser.findElement(By.id("c-rate")).getText())
                                    .isEqualTo("$0.192");
                            assertThat(browser.findElement(By.id("c-target")).getText())
                                    .isEqualTo("3");
                            assertThat(browser.findElement(By.cssSelector("#workers tr[data-worker=w0] td.cost"))
                                            .getText())
                                    .isEqualTo("$0.420");
                            assertThat(browser.findElement(By.id("idle")).getText())
                                    .startsWith("Busy.");
                            // Transfers of the reduction's inputs, in the workers' io lanes.
                            assertThat(browser.findElements(By.cssSelector("#taskstream rect.transfer")))
                                    .isNotEmpty();
                        });
                await().atMost(Duration.ofSeconds(15))
                        .ignoreExceptionsInstanceOf(StaleElementReferenceException.class)
                        .untilAsserted(() -> {
                            assertThat(browser.findElements(By.cssSelector("#cluster-chart path.workers-line")))
                                    .hasSize(1);
                            assertThat(browser.findElements(By.cssSelector("#cluster-chart path.target-line")))
                                    .hasSize(1);
                        });
                screenshot(browser, "dashboard-cluster.png");

                // An open event stream must not hold up other requests on the port.
                HttpClient http = HttpClient.newBuilder()
                        .connectTimeout(Duration.ofSeconds(5))
                        .build();
                HttpResponse<InputStream> second = http.send(
                        HttpRequest.newBuilder(URI.create(base + "/api/stream"))
                                .header("Authorization", "Bearer " + TOKEN)
                                .build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                assertThat(second.headers().firstValue("Content-Type"))
                        .hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
                HttpResponse<String> metrics = http.send(
                        HttpRequest.newBuilder(URI.create(base + "/metrics"))
                                .header("Authorization", "Bearer " + TOKEN)
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(metrics.body()).contains("jcloud_workers 2");
                second.body().close();

                client.gather(work);
                assertThat(reduction.get()).isEqualTo(400L * 399 / 2);
                // Afterwards, live and without a reload: every kind complete. The page re-renders
                // every second, so an element found may go stale before it is read: retry then.
                await().atMost(Duration.ofSeconds(15))
                        .ignoreExceptionsInstanceOf(StaleElementReferenceException.class)
                        .untilAsserted(() -> {
                            List<String> counts = browser.findElements(By.cssSelector("#progress .row .count")).stream()
                                    .map(WebElement::getText)
                                    .toList();
                            assertThat(counts)
                                    .anyMatch(c -> c.startsWith("800 / 800 done"))
                                    .anyMatch(c -> c.startsWith("400 / 400 done"));
                            assertThat(browser.findElement(By.id("s-completed")).getText())
                                    .isEqualTo("1,999");
                            // The bars of the last seconds stay, coloured by kind: both kinds are there now.
                            assertThat(attributes(browser, "#taskstream rect.task", "data-kind"))
                                    .hasSizeGreaterThanOrEqualTo(2);
                        });
                assertThat(Integer.parseInt(
                                browser.findElement(By.tagName("body")).getAttribute("data-updates")))
                        .as("the page updated itself through the event stream")
                        .isGreaterThan(2);
                screenshot(browser, "dashboard-done.png");
                report.close();

                // Without tasks and clients, the idle-teardown countdown runs on the page.
                client.close();
                await().atMost(Duration.ofSeconds(15))
                        .ignoreExceptionsInstanceOf(StaleElementReferenceException.class)
                        .untilAsserted(
                                () -> assertThat(browser.findElement(By.id("idle"))
                                                .getText())
                                        .matches(
                                                "Idle for \\d+ s: the cluster stops in 9 min \\d+ s unless work or a client arrives\\."));
                screenshot(browser, "dashboard-idle.png");

                // The performance report of the same work, rendered by the same browser.
                browser.get(ARTIFACTS
                        .resolve("report.html")
                        .toAbsolutePath()
                        .toUri()
                        .toString());
                assertThat(browser.findElements(By.cssSelector("svg.stream rect.task"))
                                .size())
                        .isGreaterThan(100);
                assertThat(browser.findElements(By.cssSelector("#durations tbody tr")))
                        .hasSize(4);
                assertThat(browser.findElements(By.cssSelector("#memory polyline.worker")))
                        .hasSize(2);
                screenshot(browser, "report.png");
            } catch (AssertionError | RuntimeException e) {
                // Leave what the browser saw next to the screenshots, to tell a page bug from a scheduler one.
                screenshot(browser, "failure.png");
                Files.writeString(ARTIFACTS.resolve("failure.html"), browser.getPageSource());
                Files.writeString(
                        ARTIFACTS.resolve("failure-snapshot.json"),
                        HttpClient.newHttpClient()
                                .send(
                                        HttpRequest.newBuilder(URI.create(base + "/api/snapshot"))
                                                .build(),
                                        HttpResponse.BodyHandlers.ofString())
                                .body());
                Files.writeString(
                        ARTIFACTS.resolve("failure-console.txt"),
                        String.valueOf(
                                ((JavascriptExecutor) browser)
                                        .executeScript(
                                                "return document.body.dataset.updates + ' updates; error: ' + window.jcloudDashboardError + '; '"
                                                        + " + JSON.stringify({bars: window.jcloudDashboard.bars, lastSeq: window.jcloudDashboard.lastSeq,"
                                                        + " now: window.jcloudDashboard.last.now, maxBars: window.jcloudDashboard.maxBars, maxRecords: window.jcloudDashboard.maxRecords, lag: window.jcloudDashboard.lag, records: window.jcloudDashboard.last.stream.records.length})")));
                throw e;
            } finally {
                client.close();
                browser.quit();
            }
        }
    }

    private static WorkerServer worker(SchedulerServer scheduler, String name, Path dir) throws Exception {
        return WorkerServer.start(
                WorkerOptions.local(scheduler.address(), name, dir).nthreads(4).build());
    }

    /**
     * The distinct values of an attribute over matching elements, read in one script: a thousand
     * bars read one WebDriver call at a time outlast the page's once-a-second re-render.
     */
    @SuppressWarnings("unchecked")
    private static List<String> attributes(WebDriver browser, String css, String attribute) {
        return (List<String>) ((JavascriptExecutor) browser)
                .executeScript(
                        "return [...new Set([...document.querySelectorAll(arguments[0])].map(e => e.getAttribute(arguments[1])))]",
                        css,
                        attribute);
    }

    private static void screenshot(WebDriver browser, String name) throws Exception {
        File png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(png.toPath(), ARTIFACTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }

    /** Headless chromium, offline-safe flags, fresh profile; fails naming the packages when absent. */
    private static WebDriver chromium() throws Exception {
        Path binary = executable("chromium");
        Path driver = executable("chromedriver");
        if (binary == null || driver == null) {
            fail("DashboardIT needs Debian's chromium and chromedriver on PATH: "
                    + "apt-get install -y chromium chromium-driver");
        }
        Path profile = Files.createTempDirectory("jcloud-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(binary.toFile());
        // No internet here: without these, chromium tries to phone home and stalls.
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--user-data-dir=" + profile,
                "--window-size=1440,1000");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(driver.toFile())
                .usingAnyFreePort()
                .build();
        return new ChromeDriver(service, options);
    }

    private static Path executable(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
