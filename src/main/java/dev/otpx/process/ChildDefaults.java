package dev.otpx.process;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A GenServer's own default child spec, like {@code use GenServer, restart: :temporary}: read by
 * {@link ChildSpec#of(String, Class, io.vertx.core.json.JsonObject)} and by trees declared in
 * configuration; a tree can still override each field per child.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface ChildDefaults {

  /** @return the restart value */
  Restart restart() default Restart.PERMANENT;

  /** @return the shutdown timeout in ms; -1 for the type's default, -2 for brutal_kill, -3 for infinity */
  long shutdownMillis() default -1;

  /** @return worker or supervisor */
  ChildType type() default ChildType.WORKER;

  /** @return whether the child is significant (see {@link AutoShutdown}) */
  boolean significant() default false;
}
