package dev.switchboard.infra;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The browser of the page tests (BrowserChatIT, BrowserOidcSignInIT): the system's headless Chromium driven by the
 * system's chromedriver (Debian packages chromium and chromium-driver, which infra/bin/test installs as root).
 * Selenium Manager is never asked for anything: the driver and the browser are both given, so nothing is downloaded.
 * Screenshots go to infra/target/browser.
 */
final class HeadlessChromium {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    /** Failsafe runs in the module's folder: this is infra/target/browser. */
    private static final Path ARTIFACTS = Path.of("target", "browser");

    private HeadlessChromium() {}

    static ChromeDriver start() {
        for (Path p : List.of(CHROMIUM, CHROMEDRIVER)) {
            if (!Files.isExecutable(p)) {
                fail(p + " is missing. The page tests drive the chat page in the system's headless Chromium: "
                        + "infra/bin/test installs it; on a developer machine run 'apt-get install chromium "
                        + "chromium-driver'.");
            }
        }
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions");
        return new ChromeDriver(service, options);
    }

    /** Saves what the browser shows as infra/target/browser/NAME (nothing when there is no browser). */
    static void screenshot(ChromeDriver browser, String name) {
        if (browser == null) {
            return;
        }
        try {
            Files.createDirectories(ARTIFACTS);
            Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), ARTIFACTS.resolve(name),
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A failed test leaves NAME-failure.png (register it static: it runs before @AfterAll closes the browser). */
    static TestWatcher screenshotOnFailure(Supplier<ChromeDriver> browser) {
        return new TestWatcher() {
            @Override
            public void testFailed(ExtensionContext context, Throwable cause) {
                try {
                    screenshot(browser.get(), context.getRequiredTestMethod().getName() + "-failure.png");
                } catch (RuntimeException e) {
                    cause.addSuppressed(e);
                }
            }
        };
    }

    /** Types {@code text} into the composer and sends it. */
    static void send(WebDriverWait wait, String text) {
        wait.until(ExpectedConditions.elementToBeClickable(By.id("message"))).sendKeys(text);
        wait.until(ExpectedConditions.elementToBeClickable(By.id("send"))).click();
    }

    /** A plain GET (what the page's server answers, outside the browser). */
    static HttpResponse<String> get(HttpClient http, String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Runs {@code steps} with the page's WebSockets kept in {@code window.pageSockets} (to drop one as a network
     * failure would) and the subprotocols each was opened with in {@code window.pageSocketProtocols}.
     */
    static void withSocketHandles(ChromeDriver browser, Runnable steps) {
        Map<String, Object> hook = browser.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", """
                window.pageSockets = [];
                window.pageSocketProtocols = [];
                window.WebSocket = class extends window.WebSocket {
                  constructor(...args) {
                    super(...args);
                    window.pageSockets.push(this);
                    window.pageSocketProtocols.push(args[1]);
                  }
                };
                """));
        try {
            steps.run();
        } finally {
            browser.executeCdpCommand("Page.removeScriptToEvaluateOnNewDocument",
                    Map.of("identifier", hook.get("identifier")));
        }
    }
}
