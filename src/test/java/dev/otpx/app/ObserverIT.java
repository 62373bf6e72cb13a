package dev.otpx.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The observer end to end: the jar with {@code OTPX_ADMIN_TOKEN}, headless Chromium on
 * {@code /observer}. The operator signs in, sees the counter in its tree, kills it from the page
 * and sees it restarted (new pid, restart count up) through {@code system.events}; kills the
 * calculator InfoSys backend and sees it restarted; traces a
 * process and sees its messages; kills the counter past its supervisor's intensity and sees the
 * escalation; and Prometheus' scrape counts the restarts and the observer's socket. Every wait is
 * on the page, never on time. Screenshots go to {@code target/observer-it-*.png}.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ObserverIT {

  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String ADMIN_TOKEN = "observer-it-operator-token-0123456789";
  private static final By COUNTER_ROW = By.cssSelector(".obs-row[data-child='counter']");

  @TempDir
  Path dataDir;
  private ServiceJar service;
  private WebDriver driver;
  private Path profile;
  private int metricsPort;

  @BeforeEach
  void startTheJarAndABrowser() throws IOException {
    assertThat(Files.isExecutable(CHROMIUM)).withFailMessage("%s is missing", CHROMIUM).isTrue();
    assertThat(Files.isExecutable(CHROMEDRIVER)).withFailMessage("%s is missing", CHROMEDRIVER).isTrue();
    int port = ServiceJar.freePort();
    metricsPort = ServiceJar.freePort();
    service = ServiceJar.start(dataDir, port, Map.of("OTPX_ADMIN_TOKEN", ADMIN_TOKEN, "OTPX_METRICS_PORT", String.valueOf(metricsPort)));
    profile = Files.createTempDirectory("chromium-observer-");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--window-size=1400,1000",
      "--user-data-dir=" + profile);
    driver = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER.toString()))
      .usingAnyFreePort().build(), options);
    driver.get("http://127.0.0.1:" + port + "/observer");
  }

  @AfterEach
  void stopEverything() throws InterruptedException, IOException {
    if (driver != null) {
      driver.quit();
    }
    if (service != null) {
      service.close();
    }
    if (profile != null) {
      try (var files = Files.walk(profile)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private WebDriverWait waitOn() {
    WebDriverWait wait = new WebDriverWait(driver, WAIT);
    wait.ignoring(StaleElementReferenceException.class);
    return wait;
  }

  private void screenshot(String name) {
    try {
      Files.copy(((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath(), Path.of("target", "observer-it-" + name + ".png"),
        StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException | RuntimeException e) {
      service.note("screenshot " + name + " failed: " + e);
    }
  }

  /**
   * Clicks the counter's row, or {@code inner} inside it. The page redraws a tree's rows on every
   * event, so a row found a moment ago may be gone: find and click again until one click lands.
   */
  private void clickCounter(By inner) {
    clickRow(COUNTER_ROW, inner);
  }

  /** Clicks a row, or {@code inner} inside it, as {@link #clickCounter} does. */
  private void clickRow(By rowLocator, By inner) {
    waitOn().until(d -> {
      WebElement row = d.findElement(rowLocator);
      (inner == null ? row : row.findElement(inner)).click();
      return true;
    });
  }

  private String counterPid() {
    return driver.findElement(COUNTER_ROW).getAttribute("data-pid");
  }

  private int counterRestarts() {
    return Integer.parseInt(driver.findElement(COUNTER_ROW).findElement(By.cssSelector(".obs-restarts")).getAttribute("data-count"));
  }

  private void signIn(String token) {
    driver.findElement(By.id("obs-token")).sendKeys(token);
    driver.findElement(By.cssSelector("#obs-signin-form button")).click();
  }

  @Test
  void theOperatorWatchesKillsAndTracesProcessesLiveAndSeesTheEscalation() throws Exception {
    WebDriverWait wait = waitOn();
    signIn("not the operator's token, no");
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("obs-signin-error"), "not the operator token"));
    driver.findElement(By.id("obs-token")).clear();
    signIn(ADMIN_TOKEN);
    wait.until(ExpectedConditions.attributeToBe(By.id("obs-live"), "data-state", "live"));
    wait.until(ExpectedConditions.presenceOfElementLocated(COUNTER_ROW));
    wait.until(d -> counterPid().startsWith("<"));
    // The summary is drawn once the page has read it: the InfoSys table gets its header.
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#obs-infosys th")));
    screenshot("signed-in");

    // Kill from the page: the tree shows the counter back with a new pid and a restart more.
    String before = counterPid();
    int restartsBefore = waitOn().until(d -> counterRestarts());
    clickCounter(By.cssSelector("button.kill"));
    wait.until(d -> !counterPid().equals(before) && counterPid().startsWith("<") && counterRestarts() > restartsBefore);
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("obs-events"), "otpx.app.counters / counter restarted"));
    screenshot("killed");

    // An InfoSys backend too: killed from the page, its supervisor starts it again.
    By calculator = By.cssSelector(".obs-row[data-child='calculator']");
    String calculatorBefore = wait.until(d -> {
      String pid = d.findElement(calculator).getAttribute("data-pid");
      return pid.startsWith("<") ? pid : null;
    });
    clickRow(calculator, By.cssSelector("button.kill"));
    wait.until(d -> {
      String pid = d.findElement(calculator).getAttribute("data-pid");
      return pid.startsWith("<") && !pid.equals(calculatorBefore);
    });
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("obs-events"), "calculator restarted"));
    screenshot("backend-killed");

    // Details on click, and a trace of the counter's next messages (its ticks).
    clickCounter(null);
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("obs-details"), "CounterServer"));
    clickCounter(By.cssSelector("button.trace"));
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("obs-trace"), "counter info"));
    screenshot("traced");

    // Past the intensity (3 restarts in 5 s): the supervisor gives up, and the page says so.
    for (int kill = 0; kill < 6 && !driver.findElement(By.id("obs-events")).getText().contains("gave up"); kill++) {
      String pid = waitOn().until(d -> d.findElements(COUNTER_ROW).isEmpty() ? "" : counterPid());
      if (pid.startsWith("<")) {
        clickCounter(By.cssSelector("button.kill"));
        wait.until(d -> d.findElements(COUNTER_ROW).isEmpty() || !counterPid().equals(pid)
          || d.findElement(By.id("obs-events")).getText().contains("gave up"));
      }
    }
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("obs-events"), "otpx.app.counters gave up"));
    wait.until(d -> d.findElements(COUNTER_ROW).isEmpty());
    screenshot("gave-up");
    WebElement gaveUp = driver.findElement(By.cssSelector("#obs-events li.ev-error"));
    assertThat(gaveUp.getText()).contains("otpx.app.counters gave up: counter restarted more than 3 times in 5s");

    String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
      .build(), HttpResponse.BodyHandlers.ofString()).body();
    assertThat(metrics).containsPattern("otpx_restarts_total\\{child=\"counter\",supervisor=\"otpx.app.counters\"} [3-9]\\.0");
    assertThat(metrics).contains("otpx_supervisor_gave_up_total{supervisor=\"otpx.app.counters\"} 1.0");
    assertThat(metrics).contains("otpx_channels_sockets 1.0");
    assertThat(service.log()).noneMatch(line -> line.contains(ADMIN_TOKEN));
  }
}
