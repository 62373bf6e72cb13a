package dev.otpx.app;

import dev.otpx.channels.auth.Tokens;
import dev.otpx.cluster.ClusterOptions;
import dev.otpx.infosys.backends.wolfram.WolframBackend;
import dev.otpx.store.StoreOptions;
import dev.otpx.system.Metrics;
import dev.otpx.web.OperatorAuth;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Every environment variable the service reads, in one place, drawn from the constants of the
 * classes that read them: deployment manifests and their tests check against this set, so a
 * variable set in a manifest that nothing reads (a typo, a removed setting) is caught.
 *
 * <p>Add a variable here when a class starts reading one.
 */
public final class Environment {

  private Environment() {
  }

  /**
   * The variables that hold secrets: they come from a secret store (a Kubernetes Secret), never
   * from a file or a manifest, and are never logged.
   *
   * @return the names, in a stable order
   */
  public static Set<String> secrets() {
    Set<String> names = new LinkedHashSet<>();
    names.add(Tokens.SECRET_ENV);
    names.add(OperatorAuth.ENV);
    names.add(StoreOptions.DATABASE_URL_ENV);
    names.add(WolframBackend.APP_ID_ENV);
    return Collections.unmodifiableSet(names);
  }

  /**
   * Every variable the service reads: the config file's ({@value AppConfig#CONFIG_ENV}), each
   * config key's override ({@link AppConfig.Key}), the metrics port ({@value Metrics#PORT_ENV}),
   * the cluster's ({@link ClusterOptions#VARIABLES}) and the {@link #secrets()}.
   *
   * @return the names, in a stable order
   */
  public static Set<String> variables() {
    Set<String> names = new LinkedHashSet<>();
    names.add(AppConfig.CONFIG_ENV);
    for (AppConfig.Key key : AppConfig.Key.values()) {
      names.add(key.env());
    }
    names.add(Metrics.PORT_ENV);
    names.addAll(ClusterOptions.VARIABLES);
    names.addAll(secrets());
    return Collections.unmodifiableSet(names);
  }
}
